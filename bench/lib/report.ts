import type { Measurements } from './measure.js';
import type { QueryCounts } from './verify.js';
import { PAGE_SIZES, SCENARIOS, scenarioKey } from './scenarios.js';

/** One cell of latest.json: the four fields issue 4 asks for, plus CPU and memory. */
export interface ResultCell {
  rps: number;
  p50: number;
  p99: number;
  queries: number | null;
  cpuMsPerRequest: number;
  peakRssMb: number;
  failed: number;
}

export type Results = Record<string, Record<string, ResultCell>>;

export interface RunInfo {
  date: string;
  machine: string;
  node: string;
  postgres: string;
  plan: string;
  /** 1-minute load average before and after the run: other work on the machine skews everything. */
  load: string;
  skipped: string[];
}

const round = (value: number, digits: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

/** Joins the load measurements with the query counts seen while verifying. */
export function buildResults(measurements: Measurements, counts: QueryCounts): Results {
  const results: Results = {};
  for (const [implementation, scenarios] of Object.entries(measurements)) {
    results[implementation] = {};
    for (const [key, m] of Object.entries(scenarios)) {
      results[implementation][key] = {
        rps: round(m.rps, 1),
        p50: round(m.p50, 2),
        p99: round(m.p99, 2),
        queries: counts[implementation]?.[key] ?? null,
        cpuMsPerRequest: round(m.cpuMsPerRequest, 3),
        peakRssMb: round(m.peakRssMb, 1),
        failed: m.failed,
      };
    }
  }
  return results;
}

/** The markdown report: machine, plan, one table per scenario, the targets. */
export function renderMarkdown(results: Results, info: RunInfo): string {
  const names = Object.keys(results);
  const lines = [
    '# Benchmark results',
    '',
    `${info.date} · ${info.machine} · Node ${info.node} · ${info.postgres} · ${info.plan} · load average ${info.load}`,
    '',
    'Columns: throughput (req/s), latency median and 99th percentile (ms), SQL statements per request,',
    'server CPU time per request (ms, user+system of the server process), peak RSS of the server during the scenario (MB).',
    'Ratios compare throughput with `raw`.',
  ];
  if (info.skipped.length) lines.push('', ...info.skipped.map((s) => `- not run: ${s}`));
  for (const scenario of SCENARIOS) {
    for (const pageSize of PAGE_SIZES) {
      const key = scenarioKey(scenario, pageSize);
      const reference = results.raw?.[key]?.rps;
      lines.push('', `## \`${key}\``, '', '| implementation | req/s | × raw | p50 ms | p99 ms | queries | CPU ms/req | peak RSS MB |', '|---|---:|---:|---:|---:|---:|---:|---:|');
      for (const name of names) {
        const c = results[name][key];
        if (!c) continue;
        const ratio = reference ? (c.rps / reference).toFixed(2) : '';
        const failed = c.failed ? ` (${c.failed} failed)` : '';
        const cells = [c.rps + failed, ratio, c.p50, c.p99, c.queries ?? '?', c.cpuMsPerRequest, c.peakRssMb].map(show);
        lines.push(`| ${name} | ${cells.join(' | ')} |`);
      }
    }
  }
  lines.push('', ...renderTargets(results), '');
  return lines.join('\n');
}

function show(value: unknown): string {
  return typeof value === 'number' && !Number.isFinite(value) ? '—' : String(value);
}

/** Issues 4 and 12's targets on scenario 1 at page size 50, stated as measured (raw: the strongest hand-written baseline). */
function renderTargets(results: Results): string[] {
  const key = scenarioKey(SCENARIOS[0], 50);
  const rps = (name: string) => results[name]?.[key]?.rps;
  const loom = rps('loom');
  if (loom === undefined) return ['## Targets', '', '`loom` was not run, so the targets could not be checked.'];
  const peers = Object.keys(results).filter((n) => !['loom', 'loom-unprepared', 'loom-before', 'raw', 'raw-window', 'naive'].includes(n));
  const bestPeer = Math.max(...peers.map((n) => rps(n) ?? 0));
  const check = (label: string, against: number | undefined, goal: number) =>
    against ? `- ${label}: ${(loom / against).toFixed(2)}× (target ≥ ${goal}×) ${loom / against >= goal ? 'met' : 'NOT met'}` : `- ${label}: not measured`;
  return [
    '## Targets (scenario 1, page size 50)',
    '',
    check('loom vs raw (prepared, LATERAL)', rps('raw'), 1.0),
    check('loom vs raw-window', rps('raw-window'), 0.9),
    check('loom vs best peer ORM', peers.length ? bestPeer : undefined, 1.5),
    check('loom vs naive', rps('naive'), 10),
  ];
}
