import t from 'tap';
import { createProgressReporter, type SeedProgress } from '../../src/seed/progress.js';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (text: string) => writes.push(text) } };
}

const step = (table: string, tableRows: number, tableTotal: number, rows: number): SeedProgress => ({
  table,
  tableRows,
  tableTotal,
  rows,
  total: 100,
});

t.test('a terminal gets one bar redrawn in place, throttled, ending with a newline', async (t) => {
  const { writes, stream } = recorder(true);
  let clock = 0;
  const reporter = createProgressReporter(stream, () => clock);
  reporter.update(step('authors', 10, 20, 10));
  clock = 50;
  reporter.update(step('authors', 20, 20, 20)); // within 100 ms: skipped
  clock = 200;
  reporter.update(step('comments', 40, 80, 60));
  reporter.update(step('comments', 80, 80, 100)); // the last step is always drawn
  reporter.finish();
  t.equal(writes.length, 4);
  t.ok(writes.slice(0, 3).every((w) => w.startsWith('\r') && !w.includes('\n')), 'redraws in place');
  t.match(writes[1], /\[#{18}-{12}\]\s+60%\s+comments 40\/80/);
  t.match(writes[2], / 100% /);
  t.equal(writes[3], '\n');
});

t.test('a log gets one plain line per finished table', async (t) => {
  const { writes, stream } = recorder(false);
  const reporter = createProgressReporter(stream);
  reporter.update(step('authors', 10, 20, 10));
  reporter.update(step('authors', 20, 20, 20));
  reporter.update(step('comments', 80, 80, 100));
  reporter.finish();
  t.same(writes, ['seed: authors: 20 rows (20% of 100)\n', 'seed: comments: 80 rows (100% of 100)\n']);
});
