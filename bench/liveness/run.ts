/**
 * `npx tsx bench/liveness/run.ts [--only pglite|postgres] [--rounds N]`:
 * issue 16's liveness check. Starts loom as `npm start` does (embedded
 * PGlite, demo data at DEMO_SCALE 0.1) and on PostgreSQL at scale 1, fires
 * include loops five at once while /health/live is asked every 20 ms, and
 * reports the probes' latency beside the server's own event-loop delay
 * (loop-monitor.ts: the longest synchronous block). Then the largest page
 * the budgets serve, alone, for the longest block one served request causes.
 * Writes bench/results/liveness.md.
 */
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareBenchDatabase } from '../lib/bench-database.js';
import { startChildServer, type ChildServer } from '../lib/child-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Five loops at once: the issue's, then their page[size]=100 variants. */
const ROUNDS: Record<string, string[]> = {
  'issue loops': [
    '/tags?include=articles.tags.articles',
    '/tags?include=articles.tags.articles&page[size]=25',
    '/categories?include=articles.comments.article.comments',
    '/authors?include=articles.tags.articles.comments',
    '/authors?include=articles.comments.article.comments&page[size]=100',
  ],
  'page 100 loops': [
    '/tags?include=articles.tags.articles&page[size]=100',
    '/categories?include=articles.comments.article.comments&page[size]=100',
    '/authors?include=articles.tags.articles.comments&page[size]=100',
    '/articles?include=tags.articles.tags&page[size]=100',
    '/articles?include=author,category,tags,comments:recent5&page[size]=100',
  ],
};
const LARGEST_PAGE = '/articles?include=author,category,tags,comments:recent5&page[size]=100';

interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
}

interface RoundResult {
  answers: { url: string; status: number; ms: number }[];
  probes: number[];
  loop: LoopDelay;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Asks the server's loop monitor for what it saw since the last ask. */
async function loopDelay(server: ChildServer, file: string): Promise<LoopDelay> {
  rmSync(file, { force: true });
  process.kill(server.pid, 'SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

/** `urls` at once while /health/live is asked every 20 ms. */
async function round(server: ChildServer, file: string, urls: string[]): Promise<RoundResult> {
  await loopDelay(server, file);
  const probes: number[] = [];
  let running = true;
  const probing = (async () => {
    while (running) {
      probes.push((await timed(`${server.baseUrl}/health/live`)).ms);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const answers = await Promise.all(urls.map(async (url) => ({ url, ...(await timed(server.baseUrl + url)) })));
  running = false;
  await probing;
  return { answers, probes, loop: await loopDelay(server, file) };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');

async function measure(name: string, env: Record<string, string>, rounds: number): Promise<string[]> {
  const file = join(tmpdir(), `loom-loop-${process.pid}-${name}.json`);
  const server = await startChildServer({
    name,
    entry: 'src/server.ts',
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', LOOM_LOOP_REPORT: file },
    readyPath: '/health/ready',
    nodeArgs: ['--import', './bench/liveness/loop-monitor.ts'],
  });
  const lines = [`### ${name}`, '', '| round | answers (status ms) | probes | probe p50 | probe p99 | probe max | loop p99 | loop max |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  try {
    // Warm-up: every URL once, one at a time (JIT, plans, caches).
    for (const url of Object.values(ROUNDS).flat()) await timed(server.baseUrl + url);
    for (let i = 0; i < rounds; i++) {
      for (const [label, urls] of Object.entries(ROUNDS)) {
        const result = await round(server, file, urls);
        const sorted = [...result.probes].sort((a, b) => a - b);
        const answers = result.answers.map((a) => `${a.status} ${fmt(a.ms)}`).join(', ');
        lines.push(
          `| ${label} | ${answers} | ${sorted.length} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} | ${fmt(sorted[sorted.length - 1])} | ${result.loop.p99Ms} | ${result.loop.maxMs} |`,
        );
        log(lines[lines.length - 1]);
      }
    }
    // The largest page the budgets serve, alone: the longest block one served request causes.
    const blocks: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      await loopDelay(server, file);
      const answer = await timed(server.baseUrl + LARGEST_PAGE);
      if (answer.status !== 200) throw new Error(`${LARGEST_PAGE}: ${answer.status}`);
      times.push(answer.ms);
      blocks.push((await loopDelay(server, file)).maxMs);
    }
    blocks.sort((a, b) => a - b);
    times.sort((a, b) => a - b);
    lines.push('', `Largest page alone (\`${LARGEST_PAGE}\`, 10 requests one at a time): response median ${fmt(percentile(times, 50))} ms; longest event-loop block median ${blocks[5]} ms, max ${blocks[9]} ms.`, '');
    log(lines[lines.length - 2]);
  } finally {
    await server.stop();
    rmSync(file, { force: true });
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
  const rounds = Number(values.rounds);
  const sections: string[] = [];
  const loadBefore = loadavg();
  if (values.only !== 'postgres') sections.push(...(await measure('PGlite, demo data (npm start, DEMO_SCALE 0.1)', {}, rounds)));
  if (values.only !== 'pglite') {
    const url = await prepareBenchDatabase(1, log);
    sections.push(...(await measure('PostgreSQL, scale 1', { DATABASE_URL: url }, rounds)));
  }
  const loadAfter = loadavg();
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ');
  const report = [
    '# Liveness under include loops (issue 16)',
    '',
    `Run ${new Date().toISOString()} on ${process.platform}, load average before ${load(loadBefore)}, after ${load(loadAfter)}.`,
    'Times in ms. Probes: /health/live asked every 20 ms by this script while the five requests ran.',
    'Loop: the server\'s event-loop delay (perf_hooks monitorEventLoopDelay, 10 ms resolution) over the round; its max is the longest synchronous block.',
    '',
    ...sections,
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'liveness.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
}

await main();
