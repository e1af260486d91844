/**
 * ORM micro-benchmark: prefetch_related for 1k, 10k and 100k parents.
 *
 *   node --expose-gc --import tsx bench/micro/prefetch.ts [--runs 5]
 *
 * Runs on its own database `loom_bench_micro` (or MICRO_DATABASE_URL), filled
 * once with 100,000 authors of 2 articles each, so the parent count is the
 * only thing that changes. For each size it loads the parents, then times
 * `prefetchRelatedObjects(authors, 'articles')` alone and records the queries
 * it ran, their parameter count, and the heap the prefetched rows hold.
 * Linear cost shows as a flat time per parent; the single array parameter as
 * no failure at 100k (PostgreSQL's limit is 65,535 bind parameters).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { DEFAULT_SERVER, ensureDatabase } from '../lib/bench-database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { Author } from '../../src/models/index.js';
import { prefetchRelatedObjects, type ModelInstance, Session } from '../../src/orm/index.js';
import { runBench } from '../lib/bench-main.js';

const SIZES = [1_000, 10_000, 100_000];
const ARTICLES_PER_AUTHOR = 2;
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

interface SizeResult {
  parents: number;
  children: number;
  queries: number;
  /** Most bind parameters any one prefetch query used. */
  maxParameters: number;
  medianMs: number;
  /** Median CPU time of this process (user + system) for the prefetch: less sensitive to a busy machine than wall time. */
  medianCpuMs: number;
  /** Median time per parent, in microseconds. */
  usPerParent: number;
  /** Heap retained by the prefetched rows (MB), measured after a full GC. */
  heapMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const url = process.env.MICRO_DATABASE_URL ?? (await ensureDatabase(DEFAULT_SERVER, 'loom_bench_micro'));
  const database = await createDatabase({ url });
  try {
    await migrateToLatest(database.db);
    await fillOnce(database.pool!);
    const results: SizeResult[] = [];
    for (const parents of SIZES) {
      results.push(await measure(database, parents, runs));
      const r = results[results.length - 1];
      process.stderr.write(`${parents} parents: ${r.medianMs.toFixed(1)} ms, ${r.usPerParent.toFixed(2)} µs/parent, ${r.heapMb.toFixed(1)} MB\n`);
    }
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'micro-prefetch.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'micro-prefetch.md'), render(results, runs));
    process.stdout.write(render(results, runs));
  } finally {
    await database.close();
  }
}

async function measure(database: import('../../src/db/database.js').Database, parents: number, runs: number): Promise<SizeResult> {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let last: { queries: number; maxParameters: number; children: number; heapMb: number } | undefined;
  // Run 0 warms the JIT and PostgreSQL's cache and is not counted.
  for (let run = 0; run <= runs; run++) {
    const session = new Session(database);
    const authors = (await Author.objects.using(session).filter({ id__lte: parents }).orderBy('id')) as (ModelInstance & Record<string, any>)[];
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const before = session.count;
    await prefetchRelatedObjects(authors, { session }, 'articles');
    const capture = { count: session.count - before, queries: session.queries.slice(before) };
    const cpu = process.cpuUsage(cpuBefore);
    if (run > 0) {
      times.push(performance.now() - started);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    collectGarbage();
    const children = authors.reduce((total, author) => total + [...author.articles.all()].length, 0);
    last = {
      queries: capture.count,
      maxParameters: Math.max(...capture.queries.map((q) => q.parameters.length)),
      children,
      heapMb: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
    };
    if (authors.length !== parents) throw new Error(`expected ${parents} authors, loaded ${authors.length}`);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const medianMs = median(times);
  return { parents, ...last!, medianMs, medianCpuMs: median(cpuTimes), usPerParent: (medianMs * 1000) / parents };
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** 100k authors with 2 articles each, generated in SQL; skipped when already there. */
async function fillOnce(pool: pg.Pool): Promise<void> {
  const max = SIZES[SIZES.length - 1];
  const { rows } = await pool.query('select count(*)::int as n from authors');
  if (rows[0].n === max) return;
  process.stderr.write(`filling ${max} authors and ${max * ARTICLES_PER_AUTHOR} articles\n`);
  await pool.query('truncate authors, articles restart identity cascade');
  await pool.query(
    `insert into authors (name, email) select 'author ' || g, 'micro' || g || '@example.com' from generate_series(1, $1::int) g`,
    [max],
  );
  await pool.query(
    `insert into articles (author_id, title, body, is_published, pub_date)
     select 1 + (g - 1) % $1::int, 'article ' || g, 'body of article ' || g, g % 2 = 0, now() - g * interval '1 minute'
       from generate_series(1, $1::int * $2::int) g`,
    [max, ARTICLES_PER_AUTHOR],
  );
  await pool.query('analyze authors, articles');
}

function render(results: SizeResult[], runs: number): string {
  const lines = [
    '# Prefetch micro-benchmark',
    '',
    `\`prefetchRelatedObjects(authors, 'articles')\`, ${ARTICLES_PER_AUTHOR} articles per author, median of ${runs} runs after one warm-up, ` +
      `Node ${process.version}, real PostgreSQL, load average ${loadavg()[0].toFixed(1)} at the end. Heap = heap retained after a full GC${(globalThis as any).gc ? '' : ' (run without --expose-gc: not meaningful)'}.`,
    '',
    '| parents | children | queries | bind parameters | median ms | µs / parent | Node CPU ms | heap MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) =>
      `| ${r.parents.toLocaleString('en-US')} | ${r.children.toLocaleString('en-US')} | ${r.queries} | ${r.maxParameters} | ${r.medianMs.toFixed(1)} | ${r.usPerParent.toFixed(2)} | ${r.medianCpuMs.toFixed(1)} | ${r.heapMb.toFixed(1)} |`),
    '',
  ];
  return lines.join('\n');
}

runBench('micro benchmark', main);
