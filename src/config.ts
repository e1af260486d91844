import { z } from 'zod';

/**
 * All configuration comes from environment variables, validated here once at
 * start. A bad variable is reported by name and the process exits non-zero.
 *
 * Values are parsed strictly (decimal digits only, no `Number(' ') === 0`
 * surprises) and the messages say what a valid value looks like. They never
 * echo the value itself: connection URLs carry passwords.
 */
const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

const positiveNumber = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^(\d+(\.\d*)?|\.\d+)$/, { error: `must be a number greater than 0 and at most ${max}` })
    .transform(Number)
    .pipe(z.number().positive({ error: 'must be greater than 0' }).max(max, { error: `must be at most ${max}` }));

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** A duration such as `5s`, `500ms` or `1m`, in milliseconds (whole numbers, one unit). */
const duration = (maxMs: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(ms|s|m)$/, { error: 'must be a duration such as 5s, 500ms or 1m' })
    .transform((text) => {
      const [, amount, unit] = /^(\d+)(ms|s|m)$/.exec(text)!;
      return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
    })
    .pipe(z.number().min(1, { error: 'must be longer than 0' }).max(maxMs, { error: `must be at most ${maxMs / 1000}s` }));

function isPostgresUrl(value: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const postgresUrl = z
  .string()
  .refine(isPostgresUrl, { error: 'must be a postgres:// or postgresql:// connection URL' });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const schema = z
  .object({
    PORT: integer(0, 65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_READ_URL: postgresUrl.optional(),
    READ_REPLICA_MAX_LAG: duration(3_600_000).default(5000),
    PGLITE_DATA_DIR: z.string().min(1).optional(),
    DEMO_SCALE: positiveNumber(100).default(0.1),
    DB_POOL_MAX: integer(1, 1000).default(10),
    DB_POOL_TIMEOUT_MS: integer(1, 600_000).default(5000),
    STATEMENT_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
    ROW_BUDGET: integer(1, 10_000_000).default(20_000),
    RESPONSE_MAX_OBJECTS: integer(1, 100_000_000).default(50_000),
    RESPONSE_MAX_BYTES: integer(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
    RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000).default(0),
    CORS_ORIGIN: z.string().optional(),
    BODY_LIMIT_BYTES: integer(1, 100 * 1024 * 1024).default(1024 * 1024),
    SHUTDOWN_GRACE_MS: integer(0, 600_000).default(5000),
    EXPLAIN_ENABLED: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
    DB_PREPARED_STATEMENTS: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('true')
      .transform((value) => value === 'true'),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  })
  // A read replica of an embedded database makes no sense; saying so beats
  // silently reading from a server while writing to PGlite.
  .refine((v) => !v.DATABASE_READ_URL || v.DATABASE_URL, {
    path: ['DATABASE_READ_URL'],
    error: 'requires DATABASE_URL (read replicas only exist for a PostgreSQL server)',
  });

/** Every environment variable the service reads (docs and deploy tests list exactly these). */
export const configVariables: readonly string[] = Object.keys(schema.shape);

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  databaseReadUrl?: string;
  /** Reads leave the replica while its replay is further behind the primary than this (ms). */
  readReplicaMaxLagMs: number;
  pgliteDataDir?: string;
  /** Demo data scale loaded into the embedded database at start (1 = 1,000 authors). */
  demoScale: number;
  poolMax: number;
  poolTimeoutMs: number;
  /** Per-request statement timeout (ms); 0 disables it. */
  statementTimeoutMs: number;
  /** Most rows one request may load across all its queries. */
  rowBudget: number;
  /** Most objects one response may render, repeats included (the response budget). */
  responseMaxObjects: number;
  /** Most bytes (estimated before serializing) one response body may have. */
  responseMaxBytes: number;
  /** Requests per minute per client IP; 0 disables rate limiting. */
  rateLimitPerMinute: number;
  /** Allowed CORS origin(s), comma-separated; unset disables CORS. */
  corsOrigin?: string;
  bodyLimitBytes: number;
  /** On SIGTERM, how long readiness fails while requests are still served, before the listener closes (ms). */
  shutdownGraceMs: number;
  /** Serve query plans for `Accept: application/vnd.loom.plan+json` (off: 404). */
  explainEnabled: boolean;
  /** Prepare the ORM's SELECTs as named statements (not behind PgBouncer < 1.21 in transaction mode). */
  preparedStatements: boolean;
  logLevel: string;
}

/** A configuration problem: its message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the configuration. Unset and empty variables take their
 * defaults (so compose's `${VAR:-}` means "default").
 *
 * @example
 * loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://loom@db/loom' }).port // 8080
 * loadConfig({ PORT: 'abc' }) // throws ConfigError
 * // "invalid configuration: PORT must be a whole number from 0 to 65535"
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const v = parsed.data;
  return {
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    databaseReadUrl: v.DATABASE_READ_URL,
    readReplicaMaxLagMs: v.READ_REPLICA_MAX_LAG,
    pgliteDataDir: v.PGLITE_DATA_DIR,
    demoScale: v.DEMO_SCALE,
    poolMax: v.DB_POOL_MAX,
    poolTimeoutMs: v.DB_POOL_TIMEOUT_MS,
    statementTimeoutMs: v.STATEMENT_TIMEOUT_MS,
    rowBudget: v.ROW_BUDGET,
    responseMaxObjects: v.RESPONSE_MAX_OBJECTS,
    responseMaxBytes: v.RESPONSE_MAX_BYTES,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    corsOrigin: v.CORS_ORIGIN,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    explainEnabled: v.EXPLAIN_ENABLED,
    preparedStatements: v.DB_PREPARED_STATEMENTS,
    logLevel: v.LOG_LEVEL,
  };
}

/**
 * For entry points (server, CLIs): {@link loadConfig}, but a bad configuration
 * prints its one-line message to stderr, without a stack trace, and exits 1.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
