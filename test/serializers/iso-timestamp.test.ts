/** The fast ISO printer agrees with Date#toISOString everywhere, including where it hands over to it. */
import fc from 'fast-check';
import t from 'tap';
import { isoTimestamp } from '../../src/serializers/iso-timestamp.js';

const agree = (time: number) => isoTimestamp(new Date(time)) === new Date(time).toISOString();

t.test('edges of its range and of the calendar', async (t) => {
  const edges = [
    Date.UTC(1000, 0, 1), Date.UTC(1000, 0, 1) - 1, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1),
    Date.UTC(1970, 0, 1), Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(1900, 1, 28),
    Date.UTC(2100, 2, 1), Date.UTC(1600, 1, 29), Date.UTC(-1, 5, 1), Date.UTC(275760, 8, 13), 0,
  ];
  for (const time of edges) t.ok(agree(time), new Date(time).toISOString());
  t.throws(() => isoTimestamp(new Date(Number.NaN)), RangeError, 'an invalid date throws as toISOString does');
});

t.test('any instant', async (t) => {
  fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), agree), { numRuns: 20_000 });
  fc.assert(fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(10000, 0, 1) - 1 }), agree), { numRuns: 100_000 });
  t.pass('no counterexample');
});
