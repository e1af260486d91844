/**
 * Preloaded into the measured server (`node --import ./bench/liveness/loop-monitor.ts`):
 * samples the event loop's delay (perf_hooks, 10 ms resolution) and, on
 * SIGUSR2, writes what it saw since the last report to LOOM_LOOP_REPORT as
 * JSON and starts over. The delay of a timer is how long the loop was busy
 * with something else: its maximum is the longest synchronous block.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const report = process.env.LOOM_LOOP_REPORT;
if (report) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  process.on('SIGUSR2', () => {
    const seen = { maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean), samples: histogram.count };
    histogram.reset();
    writeFileSync(report, JSON.stringify(seen));
  });
}
