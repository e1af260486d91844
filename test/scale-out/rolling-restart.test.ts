/**
 * The rolling restart for real (scripts/scale-out/rolling-restart.ts): three
 * instances behind HAProxy, each restarted under load, directly on PostgreSQL
 * and with PgBouncer in front. The script itself fails on any non-2xx
 * response, socket error, timeout or non-zero exit code; this checks its
 * verdict and its summary. About a minute per run, so it runs with
 * `npm run test:scale-out` (TEST_ROLLING_RESTART=1), not in every `npm test`.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { HAPROXY_BIN } from '../../scripts/scale-out/fleet.js';
import { hasPgBouncer } from '../helpers/pgbouncer.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const haproxy = await access(HAPROXY_BIN).then(() => true, () => false);

if (!process.env.TEST_DATABASE_URL || process.env.TEST_ROLLING_RESTART !== '1' || !haproxy) {
  t.plan(0, 'needs TEST_DATABASE_URL, TEST_ROLLING_RESTART=1 (npm run test:scale-out) and haproxy');
} else {
  for (const pgbouncer of [false, ...((await hasPgBouncer()) ? [true] : [])]) {
    t.test(`3 instances restarted one by one under load${pgbouncer ? ', through PgBouncer' : ''}`, async (t) => {
      const args = ['--import', 'tsx', join(root, 'scripts/scale-out/rolling-restart.ts'), ...(pgbouncer ? ['--pgbouncer'] : [])];
      // Exit 1 still prints the summary: the assertions below say what went wrong.
      const { stdout, stderr } = await run(process.execPath, args, { cwd: root, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }).catch(
        (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout || '{"restarts":[],"haproxy":{}}', stderr: error.stderr ?? '' }),
      );
      const summary = JSON.parse(stdout);
      t.comment(stderr.split('\n').filter((line) => line.startsWith('rolling-restart')).join('\n'));
      t.same(summary.statuses, { 200: summary.requests }, 'every response a 200');
      t.equal(summary.non2xx, 0, 'no non-2xx response');
      t.same(summary.socketErrors, {}, 'no socket error');
      t.equal(summary.timeouts, 0, 'no timeout');
      t.same(summary.restarts.map((restart: { exitCode: number }) => restart.exitCode), [0, 0, 0], 'every restarted instance exited 0');
      t.same(summary.finalExitCodes, [0, 0, 0], 'and so did the last three');
      t.ok(summary.requests > 1000, `under load (${summary.requests} requests)`);
      t.comment(`HAProxy retries ${summary.haproxy.retries}, redispatches ${summary.haproxy.redispatches}`);
    });
  }
}
