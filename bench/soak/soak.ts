/**
 * `npx tsx bench/soak/soak.ts [--minutes=5] [--connections=20] [--scale=1] [--entry=src/server.ts]`:
 * keeps the main include endpoint of a real server process busy and samples
 * its RSS every 5 s; reports whether memory stays flat after a warm-up
 * minute (exit 1 when it grows steadily or any request fails).
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rssTrend, sampleRss } from './rss-sampler.js';
import { SOAK_PATH, startSoakServer } from './soak-server.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
    scale: { type: 'string', default: '1' },
    entry: { type: 'string' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

const server = await startSoakServer(Number(values.scale), log, values.entry);
try {
  const seconds = Math.round(Number(values.minutes) * 60);
  log(`soak: ${values.connections} connections for ${seconds} s on ${SOAK_PATH}, RSS every 5 s`);
  const sampler = sampleRss(server.pid, 5000, (s) => log(`  t=${String(s.at).padStart(3)} s  rss=${s.rssMb.toFixed(1)} MB`));
  const result = await autocannon({ url: server.baseUrl + SOAK_PATH, connections: Number(values.connections), duration: seconds, timeout: 10 });
  const samples = sampler.stop();
  const trend = rssTrend(samples);
  const round = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify(
      {
        requests: result.requests.total,
        requestsPerSecond: Math.round(result.requests.average),
        latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        rss: {
          firstMb: round(trend.firstMb),
          maxMb: round(trend.maxMb),
          lastMb: round(trend.lastMb),
          growthAfterWarmupMb: round(trend.growthMb),
          slopeMbPerMinute: round(trend.slopeMbPerMinute),
          flat: trend.flat,
        },
        samples: samples.map((s) => [s.at, round(s.rssMb)]),
      },
      null,
      2,
    ),
  );
  const failed = result.errors + result.timeouts + result.non2xx;
  log(`${trend.flat ? 'RSS flat' : 'RSS GROWING'} (${round(trend.slopeMbPerMinute)} MB/min after warm-up); ${failed} failed requests`);
  process.exitCode = trend.flat && !failed ? 0 : 1;
} finally {
  await server.stop();
}
