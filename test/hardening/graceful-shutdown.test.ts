/**
 * Graceful shutdown for real: `npm start` runs as its own process on
 * PostgreSQL (npm, its shell and node, as a user or a process manager starts
 * it), autocannon drives the main include endpoint, and SIGTERM arrives at
 * npm mid-run. Readiness must turn 503 while the other requests are still
 * answered (the grace period a balancer needs to notice), those answers must
 * tell keep-alive clients to leave (`Connection: close`), no response may be
 * a 5xx, no request that reached the server may be dropped (reset, hung up,
 * timed out), and the process exits 0. Connections refused after the
 * listener closed are expected: that is the server no longer accepting.
 */
import { request as httpRequest, Agent } from 'node:http';
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import t from 'tap';
import { openPostgres } from '../helpers/databases.js';
import { freePort } from '../helpers/pg-cluster.js';
import { seedFixtures } from '../orm/fixtures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PATH = '/articles?include=author,category,tags,comments:recent5';
const CONNECTIONS = 20;
const GRACE_MS = 2000;

type Run = Promise<Awaited<ReturnType<typeof autocannon>>> & EventEmitter & { stop(): void };

if (!process.env.TEST_DATABASE_URL) {
  t.plan(0, 'needs TEST_DATABASE_URL (a PostgreSQL server to create a throwaway database on)');
} else {
  const database = await openPostgres(process.env.TEST_DATABASE_URL);
  t.teardown(() => database.close());
  await seedFixtures(database.db);

  t.test('SIGTERM under load: drains, no 5xx, nothing dropped, exit 0', async (t) => {
    const port = await freePort();
    // `npm start` itself: npm must pass SIGTERM on and wait for the server to drain.
    const server = spawn('npm', ['start', '--silent'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DB_POOL_MAX: '5',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed test can kill npm and node together.
      detached: true,
    });
    let output = '';
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (server.exitCode === null) process.kill(-server.pid!, 'SIGKILL');
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForReady(`${base}/health/ready`, () => output);

    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    let answeredBeforeSignal = 0;
    let answeredWhileNotReady = 0;
    let signalled = false;
    let notReady = false;
    const run = autocannon({ url: base + PATH, connections: CONNECTIONS, duration: 10, timeout: 5 }) as unknown as Run;
    run.on('response', (_client: unknown, status: number) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (!signalled) answeredBeforeSignal++;
      if (notReady) answeredWhileNotReady++;
    });
    run.on('reqError', (error: NodeJS.ErrnoException) => {
      const key = error.code ?? error.message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    });

    // A keep-alive client that made a request before the signal.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    t.equal((await get(`${base}/health/live`, agent)).headers.connection, 'keep-alive', 'keep-alive before the signal');

    await new Promise((resolve) => setTimeout(resolve, 2500));
    signalled = true;
    server.kill('SIGTERM');
    // Readiness is the first thing to change; the service goes on answering.
    let readiness: number | undefined;
    for (let attempt = 0; attempt < 100 && readiness !== 503; attempt++) {
      readiness = (await get(`${base}/health/ready`)).status;
    }
    t.equal(readiness, 503, 'readiness answers 503 after SIGTERM');
    notReady = true;
    const during = await get(`${base}/articles/1`, agent);
    t.equal(during.status, 200, 'requests are still served while readiness says 503');
    t.equal(during.headers.connection, 'close', 'and tell keep-alive clients to leave');
    const code = await exited;
    run.stop();
    await run;

    t.ok(answeredBeforeSignal > 50, `the server was under load (${answeredBeforeSignal} responses before SIGTERM)`);
    t.ok(answeredWhileNotReady > 0, `load was served after readiness turned 503 (${answeredWhileNotReady} responses)`);
    t.equal(code, 0, 'exit code 0', { output: output.slice(-2000) });
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500);
    t.same(fiveHundreds, [], `no 5xx (statuses: ${JSON.stringify(Object.fromEntries(statuses))})`);
    t.same([...statuses.keys()], [200], 'every answered request succeeded');
    // After close, new connections are refused: that is not a dropped request.
    // A connection that finished its handshake but sat in the kernel's accept
    // queue when the listener closed is reset by the kernel: it never reached
    // the server. autocannon reconnects at once after every `Connection: close`,
    // so a few of those can exist at that instant (at most one per client
    // connection). Anything else (a timeout, a hang-up mid-response) is a drop.
    const resets = errors.get('ECONNRESET') ?? 0;
    t.ok(resets <= CONNECTIONS, `resets only from the accept queue at listener close (${resets} <= ${CONNECTIONS})`);
    const dropped = [...errors].filter(([key]) => key !== 'ECONNREFUSED' && key !== 'ECONNRESET');
    t.same(dropped, [], `no in-flight request dropped (errors: ${JSON.stringify(Object.fromEntries(errors))})`);
  });
}

/** One GET on its own connection (or the agent's), status and headers. */
function get(url: string, agent?: Agent): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: agent ?? false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Polls readiness until the server answers 200 (it migrates nothing on PostgreSQL, so this is quick). */
async function waitForReady(url: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not become ready:\n${output()}`);
}
