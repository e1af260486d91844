import autocannon from 'autocannon';
import type { ChildServer } from './child-server.js';
import type { ProgressBar } from './progress-bar.js';
import { PAGE_SIZES, SCENARIOS, scenarioKey, scenarioPath } from './scenarios.js';

/** How long and how hard each implementation is driven. */
export interface LoadPlan {
  warmupSeconds: number;
  rounds: number;
  roundSeconds: number;
  connections: number;
}

/** One implementation on one scenario, all rounds together. */
export interface Measurement {
  rps: number;
  /** Mean over rounds of each round's median latency (ms). */
  p50: number;
  /** Mean over rounds of each round's 99th percentile latency (ms). */
  p99: number;
  /** Server CPU time (user + system) per request (ms). */
  cpuMsPerRequest: number;
  /** Peak RSS of the server while this scenario ran (MB). */
  peakRssMb: number;
  /** Requests that failed (socket errors, timeouts, non-2xx). */
  failed: number;
}

export type Measurements = Record<string, Record<string, Measurement>>;

/** Progress units one full measurement takes (one unit = one second of load). */
export function plannedWork(plan: LoadPlan, implementations: number): number {
  return SCENARIOS.length * PAGE_SIZES.length * implementations * (plan.warmupSeconds + plan.rounds * plan.roundSeconds);
}

/**
 * Drives every server on every scenario. Per scenario, each server is warmed
 * up, then the rounds alternate between servers (the order rotating each
 * round) so that drift of the machine spreads evenly over all of them.
 */
export async function measureAll(servers: ChildServer[], plan: LoadPlan, progress: ProgressBar): Promise<Measurements> {
  const results: Measurements = Object.fromEntries(servers.map((s) => [s.name, {}]));
  for (const scenario of SCENARIOS) {
    for (const pageSize of PAGE_SIZES) {
      const key = scenarioKey(scenario, pageSize);
      const measured = await measurePath(servers, scenarioPath(scenario, pageSize), plan, (seconds, what) => progress.tick(seconds, `${key} ${what}`));
      for (const server of servers) results[server.name][key] = measured.get(server)!;
    }
  }
  return results;
}

/**
 * Drives every server on one path: each is warmed up, then the rounds
 * alternate between servers (the order rotating each round) so that drift of
 * the machine spreads evenly over all of them.
 */
/** A request other than a plain GET: a write's method, headers and body. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
}

export async function measurePath(
  servers: ChildServer[],
  path: string,
  plan: LoadPlan,
  tick: (seconds: number, what: string) => void = () => {},
  request?: RequestSpec,
): Promise<Map<ChildServer, Measurement>> {
  for (const server of servers) server.resetPeakRss();
  for (const server of servers) {
    await drive(server.baseUrl + path, plan.warmupSeconds, plan.connections, request, server.headers);
    await settle(server);
    tick(plan.warmupSeconds, `warm-up ${server.name}`);
  }
  const samples = new Map<ChildServer, Sample[]>(servers.map((s) => [s, []]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const server of rotate(servers, round)) {
      const cpuBefore = server.cpuMs();
      const result = await drive(server.baseUrl + path, plan.roundSeconds, plan.connections, request, server.headers);
      samples.get(server)!.push({ ...result, cpuMs: server.cpuMs() - cpuBefore });
      await settle(server);
      tick(plan.roundSeconds, `round ${round + 1}/${plan.rounds} ${server.name}`);
    }
  }
  return new Map(servers.map((server) => [server, summarize(samples.get(server)!, server.peakRssMb())]));
}

interface Sample {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  failed: number;
  cpuMs: number;
}

/** One autocannon run; `headers` (the server's, e.g. a token) go with every request, besides the request's own. */
export async function drive(url: string, seconds: number, connections: number, request?: RequestSpec, headers: Record<string, string> = {}): Promise<Omit<Sample, 'cpuMs'>> {
  const result = await autocannon({ url, connections, duration: seconds, timeout: 60, ...request, headers: { ...headers, ...request?.headers } });
  return {
    requests: result['2xx'],
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
  };
}

function summarize(samples: Sample[], peakRssMb: number): Measurement {
  const sum = (pick: (s: Sample) => number, from = samples) => from.reduce((total, s) => total + pick(s), 0);
  const requests = sum((s) => s.requests);
  // A round in which no request completed has no latency to speak of (autocannon reports 0).
  const answered = samples.filter((s) => s.requests > 0);
  return {
    rps: requests / sum((s) => s.seconds),
    p50: answered.length ? sum((s) => s.p50, answered) / answered.length : NaN,
    p99: answered.length ? sum((s) => s.p99, answered) / answered.length : NaN,
    cpuMsPerRequest: requests === 0 ? NaN : sum((s) => s.cpuMs) / requests,
    peakRssMb,
    failed: sum((s) => s.failed),
  };
}

/**
 * Waits until a server stops burning CPU: requests still in flight when
 * autocannon stops (many, for slow N+1 pages) would otherwise run on into the
 * next implementation's round and slow it down.
 */
async function settle(server: ChildServer, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = server.cpuMs();
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (server.cpuMs() - before <= 20) return;
  }
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
