import { readFileSync } from 'node:fs';

/** One resident-set-size reading of the server process. */
export interface RssSample {
  /** Seconds since sampling started. */
  at: number;
  rssMb: number;
}

/** Current RSS of a process (MB), from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Samples a process's RSS every `everyMs` until `stop()`, which returns the
 * samples (the first one is taken immediately).
 */
export function sampleRss(pid: number, everyMs: number, onSample?: (sample: RssSample) => void): { stop(): RssSample[] } {
  const started = Date.now();
  const samples: RssSample[] = [];
  const take = () => {
    const sample = { at: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid) };
    samples.push(sample);
    onSample?.(sample);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/** How the RSS moved once the process had warmed up. */
export interface RssTrend {
  firstMb: number;
  maxMb: number;
  lastMb: number;
  /** Least-squares slope over the samples after warm-up (MB per minute). */
  slopeMbPerMinute: number;
  /** Growth from the first post-warm-up sample to the last one (MB). */
  growthMb: number;
  flat: boolean;
}

/**
 * Judges whether memory stays flat: the first `warmupSeconds` are ignored
 * (JIT, pools and caches fill up then); after that, a slope under
 * `maxSlopeMbPerMinute` counts as flat. A leak of a few bytes per request
 * shows up as a steady slope, garbage collection only as noise around it.
 */
export function rssTrend(samples: RssSample[], warmupSeconds = 60, maxSlopeMbPerMinute = 2): RssTrend {
  const steady = samples.filter((s) => s.at >= warmupSeconds);
  const points = steady.length >= 3 ? steady : samples;
  const n = points.length;
  const meanX = points.reduce((sum, s) => sum + s.at, 0) / n;
  const meanY = points.reduce((sum, s) => sum + s.rssMb, 0) / n;
  const covariance = points.reduce((sum, s) => sum + (s.at - meanX) * (s.rssMb - meanY), 0);
  const variance = points.reduce((sum, s) => sum + (s.at - meanX) ** 2, 0);
  const slopeMbPerMinute = variance ? (covariance / variance) * 60 : 0;
  return {
    firstMb: samples[0].rssMb,
    maxMb: Math.max(...samples.map((s) => s.rssMb)),
    lastMb: samples[samples.length - 1].rssMb,
    slopeMbPerMinute,
    growthMb: points[n - 1].rssMb - points[0].rssMb,
    flat: slopeMbPerMinute < maxSlopeMbPerMinute,
  };
}
