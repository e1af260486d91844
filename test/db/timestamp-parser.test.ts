/**
 * The fast `timestamptz` parser agrees with pg's default parser: on strings
 * of every shape it reads itself, on the shapes it hands back, and on what a
 * real PostgreSQL server prints in several session time zones.
 */
import fc from 'fast-check';
import pg from 'pg';
import t from 'tap';
import { parseTimestamptz, TIMESTAMPTZ_OID } from '../../src/db/timestamp-parser.js';

const reference = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => unknown;
const same = (value: string) => {
  const [ours, theirs] = [parseTimestamptz(value), reference(value)];
  return ours instanceof Date && theirs instanceof Date ? ours.getTime() === theirs.getTime() || (Number.isNaN(+ours) && Number.isNaN(+theirs)) : ours === theirs;
};

t.test('shapes PostgreSQL prints', async (t) => {
  for (const value of [
    '2025-03-01 12:34:56+00',
    '2025-03-01 12:34:56.7+00',
    '2025-03-01 12:34:56.789+00',
    '2025-03-01 12:34:56.789123+00',
    '2025-03-01 12:34:56.5+05:30',
    '2025-03-01 00:00:00-03:30',
    '1850-01-01 00:00:00+00:19:32',
    '2024-02-29 23:59:59.999-12',
    '0100-01-01 00:00:00+00',
    '0099-06-15 10:00:00+00',
    '2020-01-01 00:00:00+00 BC',
    '10000-01-01 00:00:00+00',
    'infinity',
    '-infinity',
  ]) {
    t.ok(same(value), value);
  }
  t.equal((parseTimestamptz('2025-03-01 12:34:56.789+02') as Date).toISOString(), '2025-03-01T10:34:56.789Z');
  t.equal((parseTimestamptz('2025-03-01 12:34:56.7891+00') as Date).toISOString(), '2025-03-01T12:34:56.789Z', 'microseconds are dropped');
});

t.test('any date, fraction and offset', async (t) => {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp = fc.record({
    ms: fc.integer({ min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31) }),
    fraction: fc.integer({ min: 0, max: 6 }),
    offsetMinutes: fc.integer({ min: -15 * 60, max: 15 * 60 }),
    offsetSeconds: fc.integer({ min: 0, max: 59 }),
  });
  fc.assert(
    fc.property(stamp, ({ ms, fraction, offsetMinutes, offsetSeconds }) => {
      const local = new Date(ms + offsetMinutes * 60_000);
      const abs = Math.abs(offsetMinutes);
      let offset = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}`;
      if (abs % 60 || offsetSeconds) offset += `:${pad(abs % 60)}`;
      if (offsetSeconds) offset += `:${pad(offsetSeconds)}`;
      const digits = `${pad(local.getUTCMilliseconds(), 3)}123`.slice(0, fraction);
      const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction ? `.${digits}` : ''}${offset}`;
      return same(text);
    }),
    { numRuns: 5000 },
  );
});

t.test('malformed input falls back to the default parser', async (t) => {
  for (const value of ['2025-03-01 1x:34:56+00', '2025-03-01 12:34:56', '2025-03-01 12:34:56+0', '2025-03-01 12:34:56Z', '2025-03-01', 'soon']) {
    t.ok(same(value), value);
  }
});

const adminUrl = process.env.TEST_DATABASE_URL;
t.test('what PostgreSQL prints, in several session time zones', { skip: adminUrl ? false : 'TEST_DATABASE_URL is not set' }, async (t) => {
  const client = new pg.Client({ connectionString: adminUrl, types: { getTypeParser: () => (value: string) => value } as any });
  await client.connect();
  t.teardown(() => client.end());
  for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
    await client.query(`set time zone '${zone}'`);
    const { rows } = await client.query<{ value: string }>(
      `select (timestamptz '1850-01-01 00:00:00+00' + n * interval '7 days 3 hours 17 minutes 12.345678 seconds')::text as value
         from generate_series(0, 9000) as n`,
    );
    const mismatches = rows.map((row) => row.value).filter((value) => !same(value));
    t.same(mismatches, [], `${zone}: ${rows.length} values from 1850 to 2025 agree`);
  }
});
