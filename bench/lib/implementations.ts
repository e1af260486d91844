import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One contender: how to start its server and whether it can run on this checkout. */
export interface Implementation {
  name: string;
  /** Entry file relative to the repository root, run with `node --import tsx`. */
  entry: string | ((root: string) => string);
  /** Extra environment for the child. */
  env: Record<string, string>;
  /**
   * Asks as an admin (an API token sent with every request): loom's
   * visibility rules (API.md §6) then hide nothing, so its data equal the
   * others', which know no principals. bench/auth.ts compares anonymous.
   */
  admin?: boolean;
  /** Why it cannot run here (missing build step), or null when it can. */
  unavailable(root: string): string | null;
}

const needs = (path: string, why: string) => (root: string) => (existsSync(join(root, path)) ? null : why);

/** All implementations, the reference (`raw`) first: every other one must return its exact `data`. */
export const IMPLEMENTATIONS: readonly Implementation[] = [
  {
    name: 'raw',
    entry: 'bench/raw/server.ts',
    env: {},
    unavailable: () => null,
  },
  {
    name: 'raw-window',
    entry: 'bench/raw-window/server.ts',
    env: {},
    unavailable: () => null,
  },
  {
    name: 'kysely-json',
    entry: 'bench/peers/kysely-json/server.ts',
    env: {},
    unavailable: () => null,
  },
  {
    name: 'loom',
    // The service's own entry (`npm start`); before it exists, a stand-in over buildApp.
    entry: (root) => (existsSync(join(root, 'src/server.ts')) ? 'src/server.ts' : 'bench/lib/loom-server.ts'),
    // Quiet logs (a log line per request would be measured too) and no rate limit.
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    admin: true,
    unavailable: needs('src/app.ts', 'the REST service (src/app.ts) does not exist yet'),
  },
  {
    name: 'loom-before',
    // A same-run A/B baseline: the service of another checkout (LOOM_BEFORE_ROOT, e.g. a
    // worktree at the commit before a change), started and driven exactly like 'loom'.
    entry: () => join(process.env.LOOM_BEFORE_ROOT ?? '.', 'src/server.ts'),
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    admin: true,
    unavailable: () => (process.env.LOOM_BEFORE_ROOT ? null : 'set LOOM_BEFORE_ROOT to another checkout to compare against'),
  },
  {
    // The same service without named prepared statements (DB_PREPARED_STATEMENTS=false, as behind PgBouncer < 1.21).
    name: 'loom-unprepared',
    entry: (root) => (existsSync(join(root, 'src/server.ts')) ? 'src/server.ts' : 'bench/lib/loom-server.ts'),
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', DB_PREPARED_STATEMENTS: 'false' },
    admin: true,
    unavailable: needs('src/db/prepared-statements.ts', 'no prepared statements in this checkout'),
  },
  {
    name: 'drizzle',
    entry: 'bench/peers/drizzle/server.ts',
    env: {},
    unavailable: needs('bench/peers/node_modules/drizzle-orm', 'run `npm install --prefix bench/peers` first'),
  },
  {
    name: 'naive',
    entry: 'bench/naive/server.ts',
    env: {},
    unavailable: needs('bench/naive/server.ts', 'bench/naive/server.ts does not exist yet'),
  },
];

/** The entry file an implementation runs from in this checkout. */
export function entryOf(implementation: Implementation, root: string): string {
  return typeof implementation.entry === 'string' ? implementation.entry : implementation.entry(root);
}

/**
 * SQL statements a response says its request ran: `x-query-count` from the
 * bench servers, or the service's `Server-Timing: db;...;desc="N queries"`.
 */
export function queriesFromHeaders(headers: Headers): number | null {
  const counted = headers.get('x-query-count');
  if (counted !== null) return Number(counted);
  const timing = /desc="(\d+) quer/.exec(headers.get('server-timing') ?? '');
  return timing ? Number(timing[1]) : null;
}
