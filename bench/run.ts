/**
 * `npm run bench [-- --quick] [-- --only=raw,loom] [-- --verify-only] [-- --skew] [-- --scenario1]`: starts every implementation's
 * server, checks that all return identical `data` for every scenario, drives
 * them with autocannon in interleaved rounds, and writes bench/results/latest.{json,md,svg}
 * (a --quick run writes quick.{json,md,svg} instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminToken, prepareBenchDatabase, postgresVersion } from './lib/bench-database.js';
import { runSkewBench } from './skew/run.js';
import { renderChart } from './lib/chart-svg.js';
import { startChildServer, type ChildServer } from './lib/child-server.js';
import { entryOf, IMPLEMENTATIONS } from './lib/implementations.js';
import { measureAll, measurePath, type Measurements, plannedWork, type LoadPlan } from './lib/measure.js';
import { createProgressBar } from './lib/progress-bar.js';
import { buildResults, renderMarkdown, type RunInfo } from './lib/report.js';
import { CHART_PAGE_SIZE, SCENARIOS, scenarioKey, scenarioPath } from './lib/scenarios.js';
import { verifyIdenticalData } from './lib/verify.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');

// Full: about 15 minutes with four implementations; quick: 2-4 minutes (startup, verification and idle waits dominate).
// Six short rounds rather than three long ones: on a shared two-core machine a burst of
// noise then lands in one of six alternations and moves a ratio less.
const PLANS: Record<'full' | 'quick', LoadPlan> = {
  full: { warmupSeconds: 2, rounds: 6, roundSeconds: 2, connections: 10 },
  quick: { warmupSeconds: 0.5, rounds: 1, roundSeconds: 1, connections: 10 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'verify-only': { type: 'boolean', default: false },
      only: { type: 'string' }, scale: { type: 'string', default: '1' },
      skew: { type: 'boolean', default: false },
      // Only scenario 1 at page size 50 (the targets' cell), with the full plan: ~2 min per implementation.
      scenario1: { type: 'boolean', default: false } },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (values.skew) {
    // The hot requests of a skewed data set against hand-written LATERAL SQL (bench/skew/run.ts).
    const url = await prepareBenchDatabase(values.scale === '1' ? 10 : Number(values.scale), log, true);
    await runSkewBench(url, ROOT, log);
    return;
  }
  const plan = PLANS[values.quick ? 'quick' : 'full'];
  const wanted = values.only?.split(',').map((s) => s.trim());

  const url = await prepareBenchDatabase(Number(values.scale), log);
  const skipped: string[] = [];
  const chosen = IMPLEMENTATIONS.filter((impl) => {
    if (wanted && !wanted.includes(impl.name)) return false;
    const why = impl.unavailable(ROOT);
    if (why) skipped.push(`${impl.name} (${why})`);
    return !why;
  });
  for (const line of skipped) log(`skipping ${line}`);
  if (chosen.length === 0) throw new Error('no implementation to run');

  const loadBefore = loadavg()[0];
  const servers: ChildServer[] = [];
  try {
    for (const impl of chosen) {
      const entry = entryOf(impl, ROOT);
      log(`starting ${impl.name} (${entry})`);
      servers.push(await startChildServer({
        name: impl.name,
        entry,
        cwd: ROOT,
        env: { ...impl.env, DATABASE_URL: url },
        headers: impl.admin ? { authorization: `Bearer ${await adminToken(url)}` } : {},
        readyPath: `/${SCENARIOS[0].resource}?page%5Bsize%5D=1&include=${encodeURIComponent(SCENARIOS[0].include)}`,
      }));
    }
    log(`verifying identical data across ${servers.map((s) => s.name).join(', ')}`);
    const counts = await verifyIdenticalData(servers);
    log('data identical for every scenario and page size');
    if (values['verify-only']) return;

    let measurements: Measurements;
    if (values.scenario1) {
      const key = scenarioKey(SCENARIOS[0], 50);
      const measured = await measurePath(servers, scenarioPath(SCENARIOS[0], 50), plan, (_seconds, what) => log(`${key} ${what}`));
      measurements = Object.fromEntries(servers.map((s) => [s.name, { [key]: measured.get(s)! }]));
    } else {
      const progress = createProgressBar(plannedWork(plan, servers.length));
      measurements = await measureAll(servers, plan, progress);
      progress.finish();
    }

    const results = buildResults(measurements, counts);
    const info: RunInfo = {
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      node: process.version,
      postgres: await postgresVersion(url),
      plan: `${values.quick ? 'quick' : 'full'}${values.scenario1 ? ' (scenario 1 at page size 50 only)' : ''}: ${plan.connections} connections, ${plan.warmupSeconds} s warm-up, ${plan.rounds} × ${plan.roundSeconds} s interleaved rounds`,
      load: `${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
      skipped,
    };
    // A quick run is a smoke test: it must not overwrite the full run's numbers.
    const name = values.scenario1 ? `scenario1${values.quick ? '-quick' : ''}` : values.quick ? 'quick' : 'latest';
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${name}.md`), renderMarkdown(results, info));
    writeFileSync(join(RESULTS, `${name}.svg`), renderChart(results, CHART_PAGE_SIZE, `${info.machine} · Node ${info.node} · ${info.postgres}`));
    log(`wrote ${join('bench', 'results', `${name}.{json,md,svg}`)}`);
    process.stdout.write(renderMarkdown(results, info));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error) => {
  process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
