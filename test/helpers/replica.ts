import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/database.js';
import { type Lsn, parseLsn, walInsertPosition } from '../../src/db/lsn.js';
import type { TestDatabase } from './databases.js';

const run = promisify(execFile);

/**
 * The hot standby made by `scripts/replica.sh up` (TEST_REPLICA_URL, an admin
 * URL on it): the scale-out tests skip without it. `npm run test:scale-out`
 * makes one, runs them and removes it.
 */
export const REPLICA_ADMIN_URL = process.env.TEST_REPLICA_URL;
const CLUSTER = process.env.REPLICA_CLUSTER ?? 'loom_replica';
const VERSION = process.env.PG_VERSION ?? '15';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface TestReplica {
  /** The throwaway test database, as the replica serves it. */
  database: Database;
  /** Waits until the replica has replayed everything the primary has written so far. */
  catchUp(): Promise<void>;
  /** `pg_wal_replay_pause()` / `_resume()`: the replica stays up, reachable and frozen in time. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops / starts the replica's server (`pg_ctlcluster`, fast shutdown). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Committed transactions in the test database on the replica and on the primary (pg_stat_database). */
  commits(): Promise<{ replica: number; primary: number }>;
}

/** Waits (up to 30 s) until `check` holds, polling every 100 ms. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The replica's view of a throwaway database made by `openPostgres` (waits for it to arrive). */
export async function openReplicaOf(primary: TestDatabase): Promise<TestReplica> {
  const admin = REPLICA_ADMIN_URL!;
  const name = new URL(primary.url!).pathname.slice(1);
  const replayed = async (): Promise<Lsn> => {
    const [row] = await adminQuery<{ lsn: string | null }>(admin, 'select pg_last_wal_replay_lsn()::text as lsn');
    return parseLsn(row.lsn ?? '0/0')!;
  };
  const catchUp = async () => {
    const target = await walInsertPosition(primary.db);
    await until('the replica has replayed the primary', async () => (await replayed()) >= target);
  };
  await catchUp();
  const database = await createDatabase({ url: withDatabase(admin, name), connectionTimeoutMs: 2000 });
  const cluster = (action: string) => run('pg_ctlcluster', [VERSION, CLUSTER, action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
  const commitsOn = async (url: string) =>
    Number((await adminQuery<{ n: string }>(url, 'select xact_commit as n from pg_stat_database where datname = $1', [name]))[0].n);
  return {
    database,
    catchUp,
    pause: async () => void (await adminQuery(admin, 'select pg_wal_replay_pause()')),
    resume: async () => void (await adminQuery(admin, 'select pg_wal_replay_resume()')),
    stop: async () => void (await cluster('stop')),
    async start() {
      await cluster('start');
      await until('the replica answers', () => adminQuery(admin, 'select 1').then(() => true, () => false));
    },
    commits: async () => ({ replica: await commitsOn(admin), primary: await commitsOn(process.env.TEST_DATABASE_URL!) }),
  };
}
