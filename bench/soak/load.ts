/**
 * `npx tsx bench/soak/load.ts [--connections=50] [--duration=60] [--scale=1] [--entry=src/server.ts]`:
 * drives the main include endpoint of a real server process with autocannon
 * and fails (exit 1) on any error, timeout or non-2xx response.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rssMb } from './rss-sampler.js';
import { SOAK_PATH, startSoakServer } from './soak-server.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    scale: { type: 'string', default: '1' },
    entry: { type: 'string' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

const server = await startSoakServer(Number(values.scale), log, values.entry);
try {
  const before = rssMb(server.pid);
  log(`load: ${values.connections} connections for ${values.duration} s on ${SOAK_PATH}`);
  const result = await autocannon({
    url: server.baseUrl + SOAK_PATH,
    connections: Number(values.connections),
    duration: Number(values.duration),
    timeout: 10,
  });
  const summary = {
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: Math.round(result.latency.average * 10) / 10 },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rssMb: { before: Math.round(before), after: Math.round(rssMb(server.pid)), peak: Math.round(server.peakRssMb()) },
  };
  console.log(JSON.stringify(summary, null, 2));
  const failed = result.errors + result.timeouts + result.non2xx;
  log(failed ? `FAIL: ${failed} failed requests` : 'PASS: zero errors');
  process.exitCode = failed ? 1 : 0;
} finally {
  await server.stop();
}
