/**
 * `npx tsx bench/counts/run.ts [--quick]`: issue 15's counts scenario,
 * `GET /articles?count=comments,tags,reactions&sort=-counts.comments&page[size]=50`,
 * loom against hand-written SQL (bench/counts/raw-server.ts) in the same run,
 * after checking that both return the same data; and the cost of the weak
 * ETag (xxHash64 of the body) per request at page 50, as a share of loom's
 * CPU per request, on this scenario and on scenario 1. Writes
 * bench/results/counts.md (a --quick run: counts-quick.md).
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import xxhash from 'xxhash-wasm';
import { issueToken } from '../../src/auth/tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { prepareBenchDatabase } from '../lib/bench-database.js';
import { startChildServer, type ChildServer } from '../lib/child-server.js';
import { type LoadPlan, type Measurement, measurePath, type RequestSpec } from '../lib/measure.js';
import { firstDifference } from '../lib/verify.js';
import { queriesFromHeaders } from '../lib/implementations.js';
import { runBench, saveReport } from '../lib/bench-main.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COUNTS = '/articles?count=comments%2Ctags%2Creactions&sort=-counts.comments&page%5Bsize%5D=50';
const SCENARIO_1 = '/articles?include=author%2Ccategory%2Ctags%2Ccomments%3Arecent5&page%5Bsize%5D=50';
const PLANS: Record<'full' | 'quick', LoadPlan> = {
  full: { warmupSeconds: 2, rounds: 6, roundSeconds: 2, connections: 10 },
  quick: { warmupSeconds: 1, rounds: 3, roundSeconds: 2, connections: 10 },
};
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Every request asks as an admin (API.md §6): visibility then hides nothing,
 * so loom's data equal the hand-written SQL's, which counts every row.
 * The hand-written server ignores the header.
 */
async function asAdmin(url: string): Promise<RequestSpec> {
  const database = await createDatabase({ url });
  try {
    const { token } = await issueToken(database.db, null);
    return { method: 'GET', headers: { authorization: `Bearer ${token}` } };
  } finally {
    await database.close();
  }
}

async function body(server: ChildServer, path: string, request: RequestSpec): Promise<{ text: string; queries: number | null }> {
  const response = await fetch(server.baseUrl + path, { headers: request.headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`${server.name} answered ${response.status} to ${path}: ${text.slice(0, 300)}`);
  return { text, queries: queriesFromHeaders(response.headers) };
}

/**
 * Mean CPU µs of one xxh64 of `text`, as the ETag hook computes it: CPU time
 * (process.cpuUsage), like the servers' CPU per request it is compared with;
 * wall time would count the time this process is preempted on a busy machine.
 */
async function hashMicros(text: string): Promise<number> {
  const { h64ToString } = await xxhash();
  for (let i = 0; i < 500; i++) h64ToString(text);
  const runs = 5000;
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) h64ToString(text);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / runs;
}

const row = (name: string, m: Measurement) =>
  `| ${name} | ${m.rps.toFixed(1)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.cpuMsPerRequest.toFixed(2)} | ${m.failed} |`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const plan = PLANS[values.quick ? 'quick' : 'full'];
  const url = await prepareBenchDatabase(1, log);
  // Index-only scans read the heap unless the visibility map is set: vacuum, as autovacuum would have.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('vacuum analyze');
  await client.end();
  const admin = await asAdmin(url);

  const loadBefore = loadavg();
  const servers: ChildServer[] = [];
  try {
    servers.push(await startChildServer({ name: 'raw', entry: 'bench/counts/raw-server.ts', cwd: ROOT, env: { DATABASE_URL: url }, readyPath: COUNTS }));
    servers.push(
      await startChildServer({
        name: 'loom',
        entry: 'src/server.ts',
        cwd: ROOT,
        env: { DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
        readyPath: COUNTS,
      }),
    );
    const [raw, loom] = servers;
    const expected = await body(raw, COUNTS, admin);
    const actual = await body(loom, COUNTS, admin);
    const [expectedData, actualData] = [JSON.parse(expected.text).data, JSON.parse(actual.text).data];
    if (!isDeepStrictEqual(actualData, expectedData)) throw new Error(`loom differs from raw:\n${firstDifference(expectedData, actualData, 'data')}`);
    log(`data identical (raw ${expected.queries} query, loom ${actual.queries})`);

    const counts = await measurePath([raw, loom], COUNTS, plan, (_s, what) => log(`counts ${what}`), admin);
    const scenario1 = await measurePath([loom], SCENARIO_1, plan, (_s, what) => log(`scenario 1 ${what}`), admin);
    const hashCounts = await hashMicros(actual.text);
    const scenario1Body = (await body(loom, SCENARIO_1, admin)).text;
    const hash1 = await hashMicros(scenario1Body);
    const loadAfter = loadavg();

    const loomCounts = counts.get(loom)!;
    const rawCounts = counts.get(raw)!;
    const loom1 = scenario1.get(loom)!;
    const share = (micros: number, m: Measurement) => ((micros / 1000 / m.cpuMsPerRequest) * 100).toFixed(2);
    const report = [
      `# Counts scenario (issue 15), ${values.quick ? 'quick' : 'full'} run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `Plan: ${plan.connections} connections, ${plan.warmupSeconds} s warm-up, ${plan.rounds} × ${plan.roundSeconds} s interleaved rounds; scale 1, vacuumed.`,
      `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after: ${loadAfter.map((l) => l.toFixed(1)).join(' / ')}.`,
      '',
      '`GET /articles?count=comments,tags,reactions&sort=-counts.comments&page[size]=50` (identical data checked; 1 SQL statement each):',
      '',
      '| implementation | req/s | p50 ms | p99 ms | server CPU ms/req | failed |',
      '|---|---:|---:|---:|---:|---:|',
      row('raw (hand-written SQL)', rawCounts),
      row('loom', loomCounts),
      '',
      `loom / raw: **${(loomCounts.rps / rawCounts.rps).toFixed(2)}×** req/s.`,
      '',
      'Weak ETag cost (xxHash64 of the response body, measured in-process on the real body) against loom\'s server CPU per request:',
      '',
      '| request (page 50) | body bytes | ETag µs | loom CPU ms/req | share |',
      '|---|---:|---:|---:|---:|',
      `| counts scenario | ${Buffer.byteLength(actual.text)} | ${hashCounts.toFixed(1)} | ${loomCounts.cpuMsPerRequest.toFixed(2)} | ${share(hashCounts, loomCounts)} % |`,
      `| scenario 1 (author,category,tags,comments:recent5) | ${Buffer.byteLength(scenario1Body)} | ${hash1.toFixed(1)} | ${loom1.cpuMsPerRequest.toFixed(2)} | ${share(hash1, loom1)} % |`,
      '',
    ].join('\n');
    saveReport('counts', values.quick, report);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

runBench('counts bench', main);
