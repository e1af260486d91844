import { type ChildProcess, spawn } from 'node:child_process';
import { access, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './pg-cluster.js';

/** Debian's package puts the binary here (`apt-get install -y pgbouncer`). */
export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/** Whether the pgbouncer binary is installed (tests skip with a clear reason when not). */
export async function hasPgBouncer(): Promise<boolean> {
  return access(PGBOUNCER_BIN).then(
    () => true,
    () => false,
  );
}

export interface PgBouncer {
  readonly port: number;
  /** A URL for `database` through the pooler (same name as on the server). */
  url(database: string): string;
  /** Everything pgbouncer logged, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it. */
  host?: string;
  port?: number;
  /** Server connections per database/user pair: small, so transactions really share them. */
  poolSize?: number;
}

function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`pgbouncer exited with ${child.exitCode}:\n${log()}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`pgbouncer did not listen on ${port}:\n${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts pgbouncer in transaction pooling mode on a free port in front of a
 * PostgreSQL server, with trust auth and a wildcard database entry, so any
 * database on the server is reachable through it. With transaction pooling,
 * consecutive transactions of one client land on different server
 * connections: session state (SET, named prepared statements, temp tables)
 * does not survive, which is what the tests behind it are meant to prove
 * the service never relies on.
 *
 * ```ts
 * const bouncer = await startPgBouncer({ port: 5432 });
 * createDatabase({ url: bouncer.url('loom_test_x') });
 * ```
 */
export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-pgbouncer-'));
  const port = await freePort();
  const ini = [
    '[databases]',
    `* = host=${options.host ?? '127.0.0.1'} port=${options.port ?? 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    'auth_type = trust',
    `auth_file = ${join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize ?? 2}`,
    'max_client_conn = 200',
    // pg sends these startup parameters; without this pgbouncer rejects the login.
    'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
    'server_reset_query =',
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), `${ini}\n`);
  await writeFile(join(dir, 'users.txt'), '"postgres" ""\n');
  // pgbouncer will not run as root: run it as the postgres user, who must own its files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { execFileSync } = await import('node:child_process');
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const file of ['', 'pgbouncer.ini', 'users.txt']) await chown(join(dir, file), uid, gid);
  }
  const [command, args] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', PGBOUNCER_BIN, join(dir, 'pgbouncer.ini')]]
    : [PGBOUNCER_BIN, [join(dir, 'pgbouncer.ini')]];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const log = () => output;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    log,
    async stop() {
      // runuser forwards SIGTERM to pgbouncer, which then closes its sockets.
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
