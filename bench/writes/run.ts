/**
 * `npx tsx bench/writes/run.ts [--quick]`: issue 13's write scenario,
 * `POST /articles?include=author,tags` with three tags, loom against the same
 * transaction in hand-written SQL (bench/writes/raw-server.ts) and Drizzle
 * (bench/peers/drizzle/write-server.ts), after checking that all three answer
 * the same object. Reports req/s, latency, server CPU and statements per
 * request in bench/results/writes.md (a --quick run: writes-quick.md), then
 * deletes the articles it wrote.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import { issueToken } from '../../src/auth/tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { prepareBenchDatabase } from '../lib/bench-database.js';
import { startChildServer, type ChildServer } from '../lib/child-server.js';
import { queriesFromHeaders } from '../lib/implementations.js';
import { type LoadPlan, type Measurement, measurePath, type RequestSpec } from '../lib/measure.js';
import { firstDifference } from '../lib/verify.js';
import { comparable, WRITE_PATH, WRITE_TITLE, writeBody } from './scenario.js';
import { runBench, saveReport } from '../lib/bench-main.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PLANS: Record<'full' | 'quick', LoadPlan> = {
  full: { warmupSeconds: 2, rounds: 6, roundSeconds: 2, connections: 10 },
  quick: { warmupSeconds: 1, rounds: 3, roundSeconds: 2, connections: 10 },
};
const READY = '/articles?page%5Bsize%5D=1';
const AUTHOR_ID = 1;
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Writes need a token (API.md §6), and an admin sees every field (the
 * author's email), as the hand-written SQL returns it; the other servers
 * ignore the header.
 */
async function adminToken(url: string): Promise<string> {
  const database = await createDatabase({ url });
  try {
    return (await issueToken(database.db, null)).token;
  } finally {
    await database.close();
  }
}

async function post(server: ChildServer, request: RequestSpec): Promise<{ answer: { data: Record<string, unknown> }; queries: number | null }> {
  const response = await fetch(server.baseUrl + WRITE_PATH, { method: request.method, headers: request.headers, body: request.body });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`${server.name} answered ${response.status}: ${text.slice(0, 300)}`);
  return { answer: JSON.parse(text), queries: queriesFromHeaders(response.headers) };
}

const row = (name: string, m: Measurement, statements: number | null) =>
  `| ${name} | ${m.rps.toFixed(1)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.cpuMsPerRequest.toFixed(2)} | ${statements ?? '?'} | ${m.failed} |`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const plan = PLANS[values.quick ? 'quick' : 'full'];
  const url = await prepareBenchDatabase(1, log);
  const token = await adminToken(url);
  const request: RequestSpec = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: writeBody(AUTHOR_ID) };
  const loadBefore = loadavg();
  const servers: ChildServer[] = [];
  try {
    servers.push(await startChildServer({ name: 'raw', entry: 'bench/writes/raw-server.ts', cwd: ROOT, env: { DATABASE_URL: url }, readyPath: '/ready' }));
    servers.push(await startChildServer({ name: 'loom', entry: 'src/server.ts', cwd: ROOT, env: { DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' }, readyPath: READY }));
    if (existsSync(join(ROOT, 'bench/peers/node_modules/drizzle-orm'))) {
      servers.push(await startChildServer({ name: 'drizzle', entry: 'bench/peers/drizzle/write-server.ts', cwd: ROOT, env: { DATABASE_URL: url }, readyPath: '/ready' }));
    } else {
      log('skipping drizzle (run `npm install --prefix bench/peers` first)');
    }
    const statements = new Map<ChildServer, number | null>();
    const reference = await post(servers[0], request);
    for (const server of servers) {
      const { answer, queries } = await post(server, request);
      statements.set(server, queries);
      const [expected, actual] = [comparable(reference.answer), comparable(answer)];
      if (!isDeepStrictEqual(actual, expected)) throw new Error(`${server.name} answers differently from raw:\n${firstDifference(expected, actual, 'data')}`);
    }
    log(`same answer from ${servers.map((s) => s.name).join(', ')}`);

    const measured = await measurePath(servers, WRITE_PATH, plan, (_s, what) => log(`write ${what}`), request);
    const loadAfter = loadavg();
    const [raw, loom] = servers;
    const drizzle = servers[2];
    const m = (server: ChildServer) => measured.get(server)!;
    const report = [
      `# Write scenario (issue 13), ${values.quick ? 'quick' : 'full'} run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `Plan: ${plan.connections} connections, ${plan.warmupSeconds} s warm-up, ${plan.rounds} × ${plan.roundSeconds} s interleaved rounds; scale 1.`,
      `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after: ${loadAfter.map((l) => l.toFixed(1)).join(' / ')} (2 vCPUs shared with the other sessions' work).`,
      '',
      '`POST /articles?include=author,tags` with `tagIds` of three tags, answered 201 with the article, its author and its tags; same answer checked (id and createdAt aside):',
      '',
      '| implementation | req/s | p50 ms | p99 ms | server CPU ms/req | statements/req | failed |',
      '|---|---:|---:|---:|---:|---:|---:|',
      row('raw (hand-written SQL, same transaction and statements)', m(raw), statements.get(raw)!),
      row('loom', m(loom), statements.get(loom)!),
      ...(drizzle ? [row('drizzle', m(drizzle), statements.get(drizzle)!)] : []),
      '',
      `loom / raw: **${(m(loom).rps / m(raw).rps).toFixed(2)}×** req/s${drizzle ? `; loom / drizzle: **${(m(loom).rps / m(drizzle).rps).toFixed(2)}×**` : ''}.`,
      '',
    ].join('\n');
    saveReport('writes', values.quick, report);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rowCount } = await client.query('delete from articles where title = $1', [WRITE_TITLE]);
    await client.end();
    log(`deleted the ${rowCount} articles the run wrote`);
  }
}

runBench('write bench', main);
