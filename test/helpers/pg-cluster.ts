import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian puts the server binaries (the `postgresql-15` package). */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so every server command runs as the
 * `postgres` user; when the tests already run as someone else they run as is.
 */
async function asPostgres(command: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const { stdout } = await run(file, argv, { timeout: 60_000 });
  return stdout;
}

/** A private PostgreSQL server a test can stop and start at will. */
export interface PgCluster {
  readonly port: number;
  /** The data directory (and socket directory) in a temp folder. */
  readonly dir: string;
  /** A connection URL for `database` (default `postgres`), trust auth as `postgres`. */
  url(database?: string): string;
  /** Fast shutdown: open connections are terminated, as in a real restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its directory. */
  destroy(): Promise<void>;
}

/**
 * initdb's a throwaway cluster into a temp dir and starts it on a free port,
 * tuned for tests (no fsync). Costs ~2 s. Use `t.teardown(cluster.destroy)`.
 *
 * ```ts
 * const cluster = await startPgCluster();
 * await cluster.stop();   // the app now sees ECONNREFUSED
 * await cluster.start();  // same port, same data
 * ```
 */
export async function startPgCluster(): Promise<PgCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-pg-'));
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  if (process.getuid?.() === 0) await chown(dir, uid, gid);
  const data = join(dir, 'data');
  await asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  let running = false;
  const cluster: PgCluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await asPostgres(join(PG_BIN, 'pg_ctl'), ['start', '-w', '-t', '30', '-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions]);
      running = true;
    },
    async stop() {
      await asPostgres(join(PG_BIN, 'pg_ctl'), ['stop', '-w', '-t', '30', '-m', 'fast', '-D', data]);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
