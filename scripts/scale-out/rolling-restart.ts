/**
 * `node --import tsx scripts/scale-out/rolling-restart.ts [--pgbouncer] [--instances=3] [--connections=30] [--grace=3000]`
 *
 * Three loom instances (`npm start`) behind HAProxy with health checks on
 * `/health/ready`, autocannon driving GETs through HAProxy, and every instance
 * restarted in turn under that load (SIGTERM, drain, exit, start again, wait
 * until HAProxy has it UP). Passes (exit 0) only with 0 non-2xx responses,
 * 0 socket errors or timeouts, and exit code 0 from every instance; prints
 * the retries and redispatches HAProxy needed (from its stats), which should
 * be 0 or close to it. `--pgbouncer` puts PgBouncer (transaction pooling)
 * between all instances and PostgreSQL. Prints one JSON summary on stdout.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Fleet } from './fleet.js';

const { values } = parseArgs({
  options: {
    pgbouncer: { type: 'boolean', default: false },
    instances: { type: 'string', default: '3' },
    connections: { type: 'string', default: '30' },
    grace: { type: 'string', default: '3000' },
    'pool-max': { type: 'string', default: '5' },
    scale: { type: 'string', default: '0.1' },
    'admin-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const log = (line: string) => process.stderr.write(`rolling-restart: ${line}\n`);
const PATHS = ['/articles?include=author,category,tags,comments:recent5&page[size]=10', '/authors/3?include=articles:recent5', '/tags?page[size]=20'];

const fleet = new Fleet({
  instances: Number(values.instances),
  adminUrl: values['admin-url']!,
  scale: Number(values.scale),
  pgbouncer: values.pgbouncer!,
  poolMax: Number(values['pool-max']),
  graceMs: Number(values.grace),
  log,
});
process.on('SIGINT', () => {
  fleet.kill();
  process.exit(130);
});

try {
  await fleet.start();
  const statuses = new Map<number, number>();
  const errors = new Map<string, number>();
  const run = autocannon({
    url: fleet.url,
    connections: Number(values.connections),
    duration: 3600,
    timeout: 10,
    requests: PATHS.map((path) => ({ method: 'GET', path })),
  });
  run.on('response', (_client: unknown, status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
  run.on('reqError', (error: NodeJS.ErrnoException) => errors.set(error.code ?? error.message, (errors.get(error.code ?? error.message) ?? 0) + 1));

  await new Promise((resolve) => setTimeout(resolve, 3000));
  const restarts = [];
  for (let i = 0; i < fleet.instances.length; i++) {
    const { name } = fleet.instances[i];
    const result = await fleet.restart(i);
    log(`${name}: exit ${result.exitCode} after draining ${result.drainMs} ms, back UP`);
    restarts.push({ instance: name, ...result });
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  (run as unknown as { stop(): void }).stop();
  const result = await run;
  const servers = await fleet.stats();
  const finalExits = await fleet.stop();

  const non2xx = [...statuses].filter(([status]) => status < 200 || status >= 300).reduce((sum, [, n]) => sum + n, 0);
  const summary = {
    pgbouncer: values.pgbouncer,
    instances: fleet.instances.length,
    connections: Number(values.connections),
    graceMs: Number(values.grace),
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    statuses: Object.fromEntries(statuses),
    non2xx,
    socketErrors: Object.fromEntries(errors),
    timeouts: result.timeouts,
    restarts,
    finalExitCodes: finalExits,
    haproxy: {
      retries: servers.reduce((sum, server) => sum + server.retries, 0),
      redispatches: servers.reduce((sum, server) => sum + server.redispatches, 0),
      connectionErrors: servers.reduce((sum, server) => sum + server.connectionErrors, 0),
      responseErrors: servers.reduce((sum, server) => sum + server.responseErrors, 0),
      servers,
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  const exits = [...restarts.map((r) => r.exitCode), ...finalExits];
  const problems = [
    non2xx > 0 && `${non2xx} non-2xx responses (${JSON.stringify(Object.fromEntries(statuses))})`,
    errors.size > 0 && `socket errors ${JSON.stringify(Object.fromEntries(errors))}`,
    result.timeouts > 0 && `${result.timeouts} timeouts`,
    exits.some((code) => code !== 0) && `exit codes ${exits.join(', ')}`,
  ].filter(Boolean);
  log(problems.length ? `FAIL: ${problems.join('; ')}` : `PASS: ${result.requests.total} requests, 0 failed, every instance exited 0, HAProxy retried ${summary.haproxy.retries} and redispatched ${summary.haproxy.redispatches}`);
  process.exitCode = problems.length ? 1 : 0;
} catch (error) {
  log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
  fleet.kill();
  process.exitCode = 1;
}
