/**
 * `date.toISOString()`, about four times as fast. V8's builtin costs ~600 ns a
 * call on this machine, which made timestamps the largest part of converting
 * a response (a page of authors with articles and comments prints a thousand
 * of them). This computes the civil date from the day count (the
 * days-to-civil algorithm published by Howard Hinnant) and writes the 24
 * characters at once; years outside 1000-9999 and invalid dates go to the builtin, which
 * prints them (or throws) as before. test/serializers/iso-timestamp.test.ts
 * compares the two.
 */
const FIRST = Date.UTC(1000, 0, 1);
const LAST = Date.UTC(10000, 0, 1) - 1;
const DAY_MS = 86_400_000;
const ZERO = 48;
const tens = (n: number) => ZERO + Math.floor(n / 10);
const ones = (n: number) => ZERO + (n % 10);

export function isoTimestamp(date: Date): string {
  const time = date.getTime();
  if (!(time >= FIRST && time <= LAST)) return date.toISOString();
  const days = Math.floor(time / DAY_MS);
  let ms = time - days * DAY_MS;
  // Days since 0000-03-01, split into 400-year eras of 146,097 days.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const seconds = Math.floor(ms / 1000);
  ms -= seconds * 1000;
  const century = Math.floor(year / 100);
  const decade = year - century * 100;
  // One flat string from its 24 character codes: concatenating pieces would
  // build a rope of a dozen nodes that the serializer then flattens.
  return String.fromCharCode(
    tens(century), ones(century), tens(decade), ones(decade), 45, tens(month), ones(month), 45, tens(day), ones(day), 84,
    tens(hours), ones(hours), 58, tens(minutes), ones(minutes), 58, tens(seconds), ones(seconds), 46,
    ZERO + Math.floor(ms / 100), tens(ms % 100), ones(ms), 90,
  );
}
