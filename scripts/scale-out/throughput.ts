/**
 * `node --import tsx scripts/scale-out/throughput.ts [--counts=1,2,3] [--duration=10] [--connections=30] [--pgbouncer]`
 *
 * Requests per second through HAProxy with 1, 2 and 3 loom instances on this
 * machine, one fleet at a time (same database, same request mix as the
 * rolling restart). Prints `uptime` with the figures: on a shared 2-core
 * machine the cores, not loom, set the ceiling.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Fleet } from './fleet.js';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '1,2,3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '30' },
    pgbouncer: { type: 'boolean', default: false },
    'pool-max': { type: 'string', default: '5' },
    'admin-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const log = (line: string) => process.stderr.write(`throughput: ${line}\n`);
const PATHS = ['/articles?include=author,category,tags,comments:recent5&page[size]=10', '/authors/3?include=articles:recent5', '/tags?page[size]=20'];
const uptime = () => execFileSync('uptime').toString().trim();

const rows = [];
for (const instances of values.counts!.split(',').map(Number)) {
  const fleet = new Fleet({
    instances,
    adminUrl: values['admin-url']!,
    scale: 0.1,
    pgbouncer: values.pgbouncer!,
    poolMax: Number(values['pool-max']),
    graceMs: 0,
    log,
  });
  try {
    await fleet.start();
    const requests = PATHS.map((path) => ({ method: 'GET' as const, path }));
    await autocannon({ url: fleet.url, connections: Number(values.connections), duration: 2, requests }); // warm-up
    const before = uptime();
    const result = await autocannon({ url: fleet.url, connections: Number(values.connections), duration: Number(values.duration), requests });
    const row = {
      instances,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      non2xx: result.non2xx,
      errors: result.errors,
      uptimeBefore: before,
      uptimeAfter: uptime(),
    };
    log(`${instances} instance(s): ${row.requestsPerSecond} req/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms (${row.uptimeAfter})`);
    rows.push(row);
  } finally {
    await fleet.stop().catch(() => fleet.kill());
  }
}
console.log(JSON.stringify({ pgbouncer: values.pgbouncer, connections: Number(values.connections), durationS: Number(values.duration), rows }, null, 2));
