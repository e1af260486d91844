/**
 * `npx tsx bench/visibility/run.ts [--quick]`: issue 14's check that
 * visibility costs anonymous requests nothing noticeable. Scenario 1 at page
 * sizes 10 and 50, asked of two identical loom servers on the same database in
 * interleaved rounds: one as an anonymous client (visibility conditions in
 * every query), one with an admin token (no conditions). Writes
 * bench/results/visibility.md (a --quick run: visibility-quick.md).
 *
 * The two do not return the same rows: anonymous sees published articles only
 * (API.md §6), so the ratio also compares slightly different work.
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminToken, prepareBenchDatabase } from '../lib/bench-database.js';
import { startChildServer, type ChildServer } from '../lib/child-server.js';
import { type LoadPlan, type Measurement, measurePath } from '../lib/measure.js';
import { runBench, saveReport } from '../lib/bench-main.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scenario1 = (size: number) => `/articles?include=author%2Ccategory%2Ctags%2Ccomments%3Arecent5&page%5Bsize%5D=${size}`;
const PLANS: Record<'full' | 'quick', LoadPlan> = {
  full: { warmupSeconds: 2, rounds: 6, roundSeconds: 2, connections: 10 },
  quick: { warmupSeconds: 1, rounds: 3, roundSeconds: 2, connections: 10 },
};
const log = (line: string) => process.stderr.write(`${line}\n`);

const row = (name: string, m: Measurement) =>
  `| ${name} | ${m.rps.toFixed(1)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.cpuMsPerRequest.toFixed(2)} | ${m.failed} |`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const plan = PLANS[values.quick ? 'quick' : 'full'];
  const url = await prepareBenchDatabase(1, log);
  const token = await adminToken(url);
  const loadBefore = loadavg();
  const servers: ChildServer[] = [];
  const env = { DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' };
  try {
    servers.push(await startChildServer({ name: 'anonymous', entry: 'src/server.ts', cwd: ROOT, env, readyPath: scenario1(10) }));
    servers.push(
      await startChildServer({
        name: 'admin',
        entry: 'src/server.ts',
        cwd: ROOT,
        env,
        readyPath: scenario1(10),
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    const [anonymous, admin] = servers;
    const lines: string[] = [];
    for (const size of [10, 50]) {
      const measured = await measurePath(servers, scenario1(size), plan, (_s, what) => log(`page ${size}: ${what}`));
      const [a, b] = [measured.get(anonymous)!, measured.get(admin)!];
      lines.push(
        `### page size ${size}`,
        '',
        '| principal | req/s | p50 ms | p99 ms | server CPU ms/req | failed |',
        '|---|---:|---:|---:|---:|---:|',
        row('anonymous', a),
        row('admin', b),
        '',
        `anonymous / admin: **${(a.rps / b.rps).toFixed(3)}×** req/s, ${(a.cpuMsPerRequest / b.cpuMsPerRequest).toFixed(3)}× CPU per request.`,
        '',
      );
    }
    const loadAfter = loadavg();
    const report = [
      `# Visibility cost (issue 14), ${values.quick ? 'quick' : 'full'} run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `Scenario 1 (\`articles?include=author,category,tags,comments:recent5\`), two loom servers on the same scale-1 database, interleaved rounds.`,
      `Plan: ${plan.connections} connections, ${plan.warmupSeconds} s warm-up, ${plan.rounds} × ${plan.roundSeconds} s rounds.`,
      `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after: ${loadAfter.map((l) => l.toFixed(1)).join(' / ')}.`,
      '',
      ...lines,
    ].join('\n');
    saveReport('visibility', values.quick, report);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

runBench('visibility bench', main);
