import { z } from 'zod';

/**
 * All configuration comes from environment variables, validated here once at
 * start. A bad variable is reported by name and the process exits non-zero.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_READ_URL: z.string().url().optional(),
  PGLITE_DATA_DIR: z.string().min(1).optional(),
  DEMO_SCALE: z.coerce.number().positive().max(100).default(0.1),
  DB_POOL_MAX: integer(1, 1000).default(10),
  DB_POOL_TIMEOUT_MS: integer(1, 600_000).default(5000),
  STATEMENT_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
  ROW_BUDGET: integer(1, 10_000_000).default(20_000),
  RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000).default(0),
  CORS_ORIGIN: z.string().optional(),
  BODY_LIMIT_BYTES: integer(1, 100 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  databaseReadUrl?: string;
  pgliteDataDir?: string;
  /** Demo data scale loaded into the embedded database at start (1 = 1,000 authors). */
  demoScale: number;
  poolMax: number;
  poolTimeoutMs: number;
  /** Per-request statement timeout (ms); 0 disables it. */
  statementTimeoutMs: number;
  /** Most rows one request may load across all its queries. */
  rowBudget: number;
  /** Requests per minute per client IP; 0 disables rate limiting. */
  rateLimitPerMinute: number;
  /** Allowed CORS origin(s), comma-separated; unset disables CORS. */
  corsOrigin?: string;
  bodyLimitBytes: number;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const v = parsed.data;
  return {
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    databaseReadUrl: v.DATABASE_READ_URL,
    pgliteDataDir: v.PGLITE_DATA_DIR,
    demoScale: v.DEMO_SCALE,
    poolMax: v.DB_POOL_MAX,
    poolTimeoutMs: v.DB_POOL_TIMEOUT_MS,
    statementTimeoutMs: v.STATEMENT_TIMEOUT_MS,
    rowBudget: v.ROW_BUDGET,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    corsOrigin: v.CORS_ORIGIN,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    logLevel: v.LOG_LEVEL,
  };
}
