import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

t.test('an empty environment gives the documented defaults', async (t) => {
  t.same(loadConfig({}), {
    port: 3000,
    host: '127.0.0.1',
    databaseUrl: undefined,
    databaseReadUrl: undefined,
    readReplicaMaxLagMs: 5000,
    pgliteDataDir: undefined,
    demoScale: 0.1,
    poolMax: 10,
    poolTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    rowBudget: 20_000,
    responseMaxObjects: 50_000,
    responseMaxBytes: 16 * 1024 * 1024,
    rateLimitPerMinute: 0,
    corsOrigin: undefined,
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: 5000,
    explainEnabled: false,
    preparedStatements: true,
    logLevel: 'info',
  });
});

t.test('every variable is read and converted', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://loom:secret@postgres:5432/loom',
    DATABASE_READ_URL: 'postgresql://loom@replica/loom?sslmode=require',
    READ_REPLICA_MAX_LAG: '500ms',
    PGLITE_DATA_DIR: '/data',
    DEMO_SCALE: '2.5',
    DB_POOL_MAX: '25',
    DB_POOL_TIMEOUT_MS: '1500',
    STATEMENT_TIMEOUT_MS: '0',
    ROW_BUDGET: '500',
    RESPONSE_MAX_OBJECTS: '1000',
    RESPONSE_MAX_BYTES: '65536',
    RATE_LIMIT_PER_MINUTE: '600',
    CORS_ORIGIN: 'https://a.example,https://b.example',
    BODY_LIMIT_BYTES: '2048',
    SHUTDOWN_GRACE_MS: '0',
    EXPLAIN_ENABLED: 'true',
    DB_PREPARED_STATEMENTS: 'false',
    LOG_LEVEL: 'warn',
  });
  t.same(config, {
    port: 8080,
    host: '0.0.0.0',
    databaseUrl: 'postgres://loom:secret@postgres:5432/loom',
    databaseReadUrl: 'postgresql://loom@replica/loom?sslmode=require',
    readReplicaMaxLagMs: 500,
    pgliteDataDir: '/data',
    demoScale: 2.5,
    poolMax: 25,
    poolTimeoutMs: 1500,
    statementTimeoutMs: 0,
    rowBudget: 500,
    responseMaxObjects: 1000,
    responseMaxBytes: 65536,
    rateLimitPerMinute: 600,
    corsOrigin: 'https://a.example,https://b.example',
    bodyLimitBytes: 2048,
    shutdownGraceMs: 0,
    explainEnabled: true,
    preparedStatements: false,
    logLevel: 'warn',
  });
});

t.test('empty variables mean "use the default" (compose writes ${VAR:-} as "")', async (t) => {
  const config = loadConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '' });
  t.equal(config.port, 3000);
  t.equal(config.databaseUrl, undefined);
  t.equal(config.logLevel, 'info');
});

t.test('surrounding whitespace around a number is tolerated', async (t) => {
  t.equal(loadConfig({ PORT: ' 8080 ' }).port, 8080);
});

t.test('READ_REPLICA_MAX_LAG takes ms, s and m', async (t) => {
  t.equal(loadConfig({ READ_REPLICA_MAX_LAG: '750ms' }).readReplicaMaxLagMs, 750);
  t.equal(loadConfig({ READ_REPLICA_MAX_LAG: '10s' }).readReplicaMaxLagMs, 10_000);
  t.equal(loadConfig({ READ_REPLICA_MAX_LAG: '2m' }).readReplicaMaxLagMs, 120_000);
});

/** Each case: the environment, the variable the error must name, and a phrase of the message. */
const invalid: Array<[Record<string, string>, string, string]> = [
  [{ PORT: 'abc' }, 'PORT', 'whole number from 0 to 65535'],
  [{ PORT: '70000' }, 'PORT', 'at most 65535'],
  [{ PORT: '-1' }, 'PORT', 'whole number'],
  [{ PORT: '3000.5' }, 'PORT', 'whole number'],
  // Number() would read these as 0, 16 and 1000; a port typo must not bind somewhere else.
  [{ PORT: ' ' }, 'PORT', 'whole number'],
  [{ PORT: '0x10' }, 'PORT', 'whole number'],
  [{ PORT: '1e3' }, 'PORT', 'whole number'],
  [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX', 'at least 1'],
  [{ DB_POOL_TIMEOUT_MS: 'soon' }, 'DB_POOL_TIMEOUT_MS', 'whole number'],
  [{ STATEMENT_TIMEOUT_MS: '5s' }, 'STATEMENT_TIMEOUT_MS', 'whole number'],
  [{ ROW_BUDGET: '0' }, 'ROW_BUDGET', 'at least 1'],
  [{ RESPONSE_MAX_OBJECTS: '0' }, 'RESPONSE_MAX_OBJECTS', 'at least 1'],
  [{ RESPONSE_MAX_BYTES: '10' }, 'RESPONSE_MAX_BYTES', 'at least 1024'],
  [{ RATE_LIMIT_PER_MINUTE: 'many' }, 'RATE_LIMIT_PER_MINUTE', 'whole number'],
  [{ BODY_LIMIT_BYTES: '1mb' }, 'BODY_LIMIT_BYTES', 'whole number'],
  [{ DEMO_SCALE: '0' }, 'DEMO_SCALE', 'greater than 0'],
  [{ DEMO_SCALE: '101' }, 'DEMO_SCALE', 'at most 100'],
  [{ DEMO_SCALE: 'big' }, 'DEMO_SCALE', 'number greater than 0'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'one of fatal, error, warn, info, debug, trace, silent'],
  [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', 'postgres:// or postgresql://'],
  [{ DATABASE_URL: 'localhost:5432/loom' }, 'DATABASE_URL', 'postgres:// or postgresql://'],
  [{ DATABASE_URL: 'mysql://db/loom' }, 'DATABASE_URL', 'postgres:// or postgresql://'],
  [{ READ_REPLICA_MAX_LAG: '5' }, 'READ_REPLICA_MAX_LAG', 'duration such as 5s'],
  [{ READ_REPLICA_MAX_LAG: '1.5s' }, 'READ_REPLICA_MAX_LAG', 'duration such as 5s'],
  [{ READ_REPLICA_MAX_LAG: '0s' }, 'READ_REPLICA_MAX_LAG', 'longer than 0'],
  [{ READ_REPLICA_MAX_LAG: '2h' }, 'READ_REPLICA_MAX_LAG', 'duration such as 5s'],
  [{ SHUTDOWN_GRACE_MS: '5s' }, 'SHUTDOWN_GRACE_MS', 'whole number'],
  [{ DATABASE_READ_URL: 'postgres://replica/loom' }, 'DATABASE_READ_URL', 'requires DATABASE_URL'],
];

for (const [env, variable, phrase] of invalid) {
  t.test(`${JSON.stringify(env)} is rejected naming ${variable}`, async (t) => {
    t.throws(() => loadConfig(env), ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      const message = (error as Error).message;
      t.match(message, new RegExp(`^invalid configuration: ${variable} `));
      t.ok(message.includes(phrase), `"${message}" says "${phrase}"`);
    }
  });
}

t.test('every bad variable is named at once, and secrets are never echoed', async (t) => {
  const error = t.throws(() =>
    loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:hunter2@db/loom' }),
  ) as Error;
  t.match(error.message, /PORT .*; .*DATABASE_URL .*; .*LOG_LEVEL /);
  t.notMatch(error.message, /hunter2/);
});
