/**
 * A small production-like fleet on this machine, for the scale-out scripts:
 * a throwaway database on the local PostgreSQL (migrated, demo data), optionally
 * PgBouncer in front of it, N loom instances started with `npm start`, and
 * HAProxy (Debian's package) balancing them with health checks on
 * `/health/ready`. Ports come from issue 17's range (41710-41739).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPgBouncer, type PgBouncer } from '../../test/helpers/pgbouncer.js';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { seedDemoData } from '../../src/seed/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
const BASE_PORT = Number(process.env.SCALE_OUT_BASE_PORT ?? 41710);

export interface FleetOptions {
  instances: number;
  adminUrl: string;
  scale: number;
  pgbouncer: boolean;
  /** Per instance. */
  poolMax: number;
  graceMs: number;
  /** Extra environment for every instance (e.g. DATABASE_READ_URL). */
  env?: Record<string, string>;
  log: (line: string) => void;
}

export interface Instance {
  readonly name: string;
  readonly port: number;
  process: ChildProcess;
  exited: Promise<number | null>;
}

export interface HaproxyServerStats {
  name: string;
  status: string;
  /** Requests HAProxy sent to it. */
  requests: number;
  /** Retries and redispatches HAProxy needed (wretr, wredis), connection and response errors (econ, eresp). */
  retries: number;
  redispatches: number;
  connectionErrors: number;
  responseErrors: number;
}

export class Fleet {
  readonly url: string;
  readonly instances: Instance[] = [];
  #haproxy?: ChildProcess;
  #bouncer?: PgBouncer;
  #dir = '';
  #databaseName = '';
  #databaseUrl = '';
  readonly #statsPort: number;

  constructor(readonly options: FleetOptions) {
    this.url = `http://127.0.0.1:${BASE_PORT}`;
    this.#statsPort = BASE_PORT + 9;
  }

  async start(): Promise<void> {
    const { log } = this.options;
    this.#dir = await mkdtemp(join(tmpdir(), 'loom-fleet-'));
    this.#databaseName = `loom_fleet_${randomBytes(4).toString('hex')}`;
    await admin(this.options.adminUrl, `create database ${this.#databaseName}`);
    const direct = withDatabase(this.options.adminUrl, this.#databaseName);
    const database = await createDatabase({ url: direct });
    await migrateToLatest(database.db);
    const seeded = await seedDemoData(database.db, { scale: this.options.scale });
    await database.close();
    log(`database ${this.#databaseName}: ${seeded.rows.articles} articles`);
    this.#databaseUrl = direct;
    if (this.options.pgbouncer) {
      const server = new URL(this.options.adminUrl);
      this.#bouncer = await startPgBouncer({ host: server.hostname, port: Number(server.port || 5432), poolSize: 10 });
      this.#databaseUrl = this.#bouncer.url(this.#databaseName);
      log(`pgbouncer on ${this.#bouncer.port} (transaction pooling, 10 server connections)`);
    }
    for (let i = 0; i < this.options.instances; i++) {
      this.instances.push(this.#spawn(`s${i + 1}`, BASE_PORT + 1 + i));
    }
    await Promise.all(this.instances.map((instance) => waitForReady(instance.port)));
    await this.#startHaproxy();
    await until(async () => (await this.stats()).every((server) => server.status === 'UP'), 20_000, 'every server UP in HAProxy');
    log(`haproxy on ${BASE_PORT} over ${this.instances.map((i) => i.port).join(', ')} (stats on ${this.#statsPort})`);
  }

  #spawn(name: string, port: number): Instance {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: root,
      env: {
        ...process.env,
        ...this.options.env,
        DATABASE_URL: this.#databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DB_POOL_MAX: String(this.options.poolMax),
        SHUTDOWN_GRACE_MS: String(this.options.graceMs),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { name, port, process: child, exited };
  }

  /** SIGTERM, wait for the exit code, start a new process on the same port, wait until HAProxy has it UP again. */
  async restart(index: number): Promise<{ exitCode: number | null; drainMs: number }> {
    const old = this.instances[index];
    const signalled = Date.now();
    old.process.kill('SIGTERM');
    const exitCode = await old.exited;
    const drainMs = Date.now() - signalled;
    const fresh = this.#spawn(old.name, old.port);
    this.instances[index] = fresh;
    await waitForReady(fresh.port);
    await until(async () => (await this.stats()).find((server) => server.name === old.name)?.status === 'UP', 20_000, `${old.name} UP again`);
    return { exitCode, drainMs };
  }

  async #startHaproxy(): Promise<void> {
    const servers = this.instances.map((instance) => `  server ${instance.name} 127.0.0.1:${instance.port} check`);
    const config = [
      'global',
      '  maxconn 4000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      // A request that met a closed connection is sent again (idempotent ones), to another server.
      '  retries 3',
      '  option redispatch 1',
      '  retry-on conn-failure empty-response response-timeout',
      'frontend api',
      `  bind 127.0.0.1:${BASE_PORT}`,
      '  default_backend loom',
      'backend loom',
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      // Out after two failed checks (the second 250 ms after the first), back after two good
      // ones. A check may take 2 s: on a loaded machine a 500 ms timeout marked healthy
      // instances down, and with one draining that briefly left none (HAProxy's own 503s).
      '  timeout check 2s',
      '  default-server inter 500ms fastinter 250ms fall 2 rise 2',
      ...servers,
      'frontend stats',
      `  bind 127.0.0.1:${this.#statsPort}`,
      '  stats enable',
      '  stats uri /stats',
      '',
    ].join('\n');
    const file = join(this.#dir, 'haproxy.cfg');
    await writeFile(file, config);
    this.#haproxy = spawn(HAPROXY_BIN, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    await until(() => fetch(`http://127.0.0.1:${this.#statsPort}/stats;csv`).then((r) => r.ok, () => false), 10_000, 'haproxy stats');
  }

  /** The backend's servers as HAProxy's stats page counts them. */
  async stats(): Promise<HaproxyServerStats[]> {
    const csv = await (await fetch(`http://127.0.0.1:${this.#statsPort}/stats;csv`)).text();
    const [header, ...lines] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const at = (row: string[], column: string) => row[columns.indexOf(column)];
    return lines
      .map((line) => line.split(','))
      .filter((row) => at(row, 'pxname') === 'loom' && !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
      .map((row) => ({
        name: at(row, 'svname'),
        status: at(row, 'status'),
        requests: Number(at(row, 'stot') || 0),
        retries: Number(at(row, 'wretr') || 0),
        redispatches: Number(at(row, 'wredis') || 0),
        connectionErrors: Number(at(row, 'econ') || 0),
        responseErrors: Number(at(row, 'eresp') || 0),
      }));
  }

  /** Stops everything it started (instances by SIGTERM, so they drain) and drops the database. */
  async stop(): Promise<Array<number | null>> {
    for (const instance of this.instances) if (instance.process.exitCode === null) instance.process.kill('SIGTERM');
    const codes = await Promise.all(this.instances.map((instance) => instance.exited));
    this.#haproxy?.kill('SIGTERM');
    await this.#bouncer?.stop();
    if (this.#databaseName) await admin(this.options.adminUrl, `drop database if exists ${this.#databaseName} with (force)`);
    await rm(this.#dir, { recursive: true, force: true });
    return codes;
  }

  /** For a crash of the script itself: no process left behind. */
  kill(): void {
    for (const instance of this.instances) {
      try {
        if (instance.process.exitCode === null) process.kill(-instance.process.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#haproxy?.kill('SIGKILL');
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function waitForReady(port: number): Promise<void> {
  return until(() => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false), 60_000, `port ${port} ready`);
}
