/**
 * In-process CPU per request: loom against hand-written SQL (bench/raw).
 *
 *   node --import tsx bench/micro/request-cpu.ts [--rounds 5] [--ops 400] [--only loom,raw] [--size 50]
 *
 * Needs the scale-1 demo data in BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/loom_bench, what `npm run bench` fills).
 * It measures this process's CPU time (user + system, process.cpuUsage) per
 * operation rather than wall time, because the machine is shared and noisy:
 * CPU time is what a saturated server runs out of, and it is much less
 * sensitive to other processes. Every case runs once per round, interleaved
 * (A, B, A, B...), so drift hits all cases alike; the median of the rounds is
 * reported. Operations run 4 at a time, as a loaded server overlaps requests.
 *
 * Cases, each "loom" next to its "raw" counterpart:
 * - request: the full `GET /articles?include=author,category,tags,comments:recent5&page[size]=50`
 *   through `app.inject` (loom's app vs bench/raw's Fastify server): routing,
 *   parsing, planning, all queries, conversion and serialization, without the
 *   HTTP socket;
 * - page: the base query (51 articles, author and category JOINed);
 * - tags: one prefetch query, the tags of 51 articles through the junction;
 * - recent5: one prefetch query, the 5 newest comments of each of 51 articles.
 */
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { Article, Comment, Tag } from '../../src/models/index.js';
import { Session } from '../../src/orm/index.js';
import { buildBenchServer } from '../lib/bench-server.js';
import { createBenchPool } from '../lib/pool.js';
import { rawLoaders } from '../raw/loaders.js';
import * as raw from '../raw/queries.js';

const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/loom_bench';
/** Scenario 1 at `size` articles per page (`--size`, default 50; at 1 the request's fixed cost shows). */
const request = (size: number) => `/articles?include=author,category,tags,comments:recent5&page%5Bsize%5D=${size}`;
const CONCURRENCY = 4;

type Operation = () => Promise<unknown>;

/** CPU microseconds per operation over `ops` operations, `CONCURRENCY` at a time. */
async function cpuPerOp(operation: Operation, ops: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < ops; i += CONCURRENCY) await Promise.all(Array.from({ length: CONCURRENCY }, operation));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ops;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function injectOk(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await app.inject({ url, headers });
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '5' }, ops: { type: 'string', default: '400' }, only: { type: 'string' }, size: { type: 'string', default: '50' } },
  });
  const rounds = Number(values.rounds);
  const ops = Number(values.ops);
  const database = await createDatabase({ url: URL, poolMax: 10 });
  const session = new Session(database);
  const pool = createBenchPool(URL);
  const app = await buildApp({ database });
  const admin = { authorization: `Bearer ${(await issueToken(database.db, null)).token}` };
  const url = request(Number(values.size));
  const rawApp = buildBenchServer({ name: 'raw', loaders: rawLoaders(pool), close: async () => undefined });
  await rawApp.ready();
  const ids = (await Article.objects.using(session).orderBy('id').slice(0, 51)).map((a) => a.id as number);
  const tags = Article.meta.relations.tags;
  const comments = Article.meta.relations.comments;

  const cases: Record<string, Operation> = {
    // As an admin, as `npm run bench` asks: no visibility condition hides rows, so both answer the same data.
    'loom request': () => injectOk(app, url, admin),
    'raw request': () => injectOk(rawApp, url),
    'loom page': () => Article.objects.using(session).orderBy('id').slice(0, 51).selectRelated('author', 'category').fetch(),
    'raw page': () => raw.articlePage(pool, 51, { author: true, category: true }),
    'loom tags': () => Tag.objects.using(session).restrictTo(tags.restriction(ids)).fetch(),
    'raw tags': () => raw.tagsByArticle(pool, ids),
    'loom recent5': () =>
      Comment.objects.using(session).orderBy('-createdAt', '-id').slice(0, 5).restrictTo(comments.restriction(ids)).fetch(),
    'raw recent5': () => raw.recentCommentsByArticle(pool, ids, 5),
  };
  const only = values.only?.split(',');
  const names = Object.keys(cases).filter((name) => !only || only.some((word) => name.includes(word)));
  for (const name of names) await cpuPerOp(cases[name], 200); // warm up the JIT and the pools

  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) samples.get(name)!.push(await cpuPerOp(cases[name], ops));
  }
  console.log(`CPU µs per operation, median of ${rounds} rounds of ${ops} (${CONCURRENCY} concurrent)`);
  for (const name of names) {
    const all = samples.get(name)!;
    console.log(`${name.padEnd(14)} ${median(all).toFixed(0).padStart(6)}   [${all.map((v) => v.toFixed(0)).join(' ')}]`);
  }
  await app.close();
  await rawApp.close();
  await database.close();
  await pool.end();
}

await main();
