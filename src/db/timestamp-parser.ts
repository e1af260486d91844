/**
 * A faster parser for PostgreSQL's text form of `timestamptz`.
 *
 * pg's default (postgres-date) matches every value against a regular
 * expression and builds a Date field by field; with a few hundred timestamps
 * per response that was 5-6 % of the server's CPU per request. This reads the
 * usual shape, `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]`, digit by digit
 * and hands anything else (BC dates, years before 100 or past 9999,
 * `infinity`) to the default parser, so both agree on every input
 * (test/db/timestamp-parser.test.ts compares them).
 */
import pg from 'pg';

export const TIMESTAMPTZ_OID = 1184;

const defaultParser = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date | number | string;

/** The number written by `length` digits at `start`, or NaN. */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Parses a `timestamptz` in text form exactly as pg's default parser does, faster. */
export function parseTimestamptz(text: string): Date | number | string {
  const length = text.length;
  if (length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(19) === 32) {
    return defaultParser(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  let i = 19;
  let milliseconds = 0;
  if (text.charCodeAt(i) === 46) {
    // Up to six fractional digits; like the default parser, keep what is below a millisecond
    // in the value passed to Date.UTC, which drops it.
    let scale = 100;
    for (i++; i < length; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      milliseconds += digit * scale;
      scale /= 10;
    }
  }
  const sign = text.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return defaultParser(text);
  let offset = digits(text, i + 1, 2) * 3600;
  i += 3;
  if (i < length && text.charCodeAt(i) === 58) {
    offset += digits(text, i + 1, 2) * 60;
    i += 3;
    if (i < length && text.charCodeAt(i) === 58) {
      offset += digits(text, i + 1, 2);
      i += 3;
    }
  }
  if (i !== length || year < 100 || Number.isNaN(year + month + day + hours + minutes + seconds + offset)) return defaultParser(text);
  const utc = Date.UTC(year, month - 1, day, hours, minutes, seconds, milliseconds);
  return new Date(sign === 43 ? utc - offset * 1000 : utc + offset * 1000);
}
