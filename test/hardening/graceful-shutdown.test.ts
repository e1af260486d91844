/**
 * Graceful shutdown for real: src/server.ts runs as its own process on
 * PostgreSQL, autocannon drives the main include endpoint, and SIGTERM
 * arrives mid-run. No response may be a 5xx, no request that reached the
 * server may be dropped (reset, hung up, timed out), and the process exits 0.
 * Connections refused after the listener closed are expected: that is the
 * server no longer accepting.
 */
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

type Run = Promise<Awaited<ReturnType<typeof autocannon>>> & EventEmitter & { stop(): void };

if (!process.env.TEST_DATABASE_URL) {
  t.plan(0, 'needs TEST_DATABASE_URL (a PostgreSQL server to create a throwaway database on)');
} else {
  const database = await openPostgres(process.env.TEST_DATABASE_URL);
  t.teardown(() => database.close());
  await seedFixtures(database.db);

  t.test('SIGTERM under load: drains, no 5xx, nothing dropped, exit 0', async (t) => {
    const port = await freePort();
    // node --import tsx rather than npx: no wrapper process between the signal and the server.
    const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/server.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DB_POOL_MAX: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (server.exitCode === null) server.kill('SIGKILL');
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForReady(`${base}/health/ready`, () => output);

    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    let answeredBeforeSignal = 0;
    let signalled = false;
    const run = autocannon({ url: base + PATH, connections: CONNECTIONS, duration: 8, timeout: 5 }) as unknown as Run;
    run.on('response', (_client: unknown, status: number) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (!signalled) answeredBeforeSignal++;
    });
    run.on('reqError', (error: NodeJS.ErrnoException) => {
      const key = error.code ?? error.message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    });

    await new Promise((resolve) => setTimeout(resolve, 2500));
    signalled = true;
    server.kill('SIGTERM');
    const code = await exited;
    run.stop();
    await run;

    t.ok(answeredBeforeSignal > 50, `the server was under load (${answeredBeforeSignal} responses before SIGTERM)`);
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
