import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../src/config.js';

/**
 * docker-compose.yml checked without a Docker engine: the services, their
 * start order, and that the environment they pass is one the service accepts.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: string[];
  profiles?: string[];
  restart?: string;
}

// Compose resolves YAML merge keys (`<<: *loom-image`), so the parser must too.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const { postgres, migrate, api, seed } = compose.services;

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` interpolation, from `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:?)-([^}]*))?\}/g, (_, name: string, colon: string, fallback?: string) => {
    const set = env[name];
    if (fallback === undefined) return set ?? '';
    return set === undefined || (colon === ':' && set === '') ? fallback : set;
  });
}

/** The environment a service's container would get, with shell variables `shell`. */
function containerEnv(service: Service, shell: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), shell)]),
  );
}

t.test('the interpolation follows compose', async (t) => {
  t.equal(interpolate('${A:-x}', {}), 'x');
  t.equal(interpolate('${A:-x}', { A: '' }), 'x');
  t.equal(interpolate('${A-x}', { A: '' }), '');
  t.equal(interpolate('a${A}b${B:-}', { A: '1' }), 'a1b');
});

t.test('postgres 16 with a pg_isready healthcheck and a named volume', async (t) => {
  t.match(postgres.image, /^postgres:16([.-]|$)/);
  t.ok(postgres.healthcheck?.test?.some((part) => part.includes('pg_isready')), 'pg_isready');
  const volume = (postgres as { volumes?: string[] }).volumes?.[0] ?? '';
  t.match(volume, /^\w+:\/var\/lib\/postgresql\/data$/);
  t.ok(compose.volumes && volume.split(':')[0] in compose.volumes, 'the volume is declared');
});

t.test('api, migrate and seed share one image built from this Dockerfile', async (t) => {
  for (const [name, service] of Object.entries({ api, migrate, seed })) {
    t.equal(service.image, api.image, `${name} uses the api image`);
    // `build` on each: otherwise compose tries to pull the image from a registry.
    t.equal(service.build, '.', `${name} can build it`);
  }
  t.ok(existsSync(join(root, 'Dockerfile')));
});

t.test('migrate is a one-shot running the compiled CLI once postgres is healthy', async (t) => {
  t.same(migrate.command, ['node', 'dist/src/cli/migrate.js']);
  t.ok(existsSync(join(root, 'src', 'cli', 'migrate.ts')), 'its source exists');
  t.equal(migrate.restart, 'no');
  t.same(migrate.depends_on, { postgres: { condition: 'service_healthy' } });
  t.equal(migrate.healthcheck?.disable, true, 'the image HEALTHCHECK (an HTTP probe) is off for a CLI');
});

t.test('api starts after postgres is healthy and migrate has succeeded', async (t) => {
  t.same(api.depends_on, {
    postgres: { condition: 'service_healthy' },
    migrate: { condition: 'service_completed_successfully' },
  });
  t.ok(api.ports?.some((port) => /:3000$/.test(interpolate(port, {}))), 'publishes container port 3000');
  t.equal(interpolate(api.ports![0], {}), '3000:3000', 'on host port 3000 by default');
});

t.test('api, migrate and seed point at the compose database, with the credentials postgres is given', async (t) => {
  const env = containerEnv(postgres);
  for (const [name, service] of Object.entries({ api, migrate, seed })) {
    const url = new URL(containerEnv(service).DATABASE_URL);
    t.equal(url.hostname, 'postgres', `${name}: the postgres service`);
    t.equal(url.username, env.POSTGRES_USER, `${name}: user`);
    t.equal(url.password, env.POSTGRES_PASSWORD, `${name}: password`);
    t.equal(url.pathname, `/${env.POSTGRES_DB}`, `${name}: database`);
  }
  const changed = new URL(containerEnv(api, { POSTGRES_PASSWORD: 's3cret' }).DATABASE_URL);
  t.equal(changed.password, 's3cret', 'POSTGRES_PASSWORD reaches the URL too');
  t.equal(containerEnv(postgres, { POSTGRES_PASSWORD: 's3cret' }).POSTGRES_PASSWORD, 's3cret');
});

t.test('every variable compose passes is one the service reads, with valid values', async (t) => {
  for (const [name, service] of Object.entries({ api, migrate, seed })) {
    for (const variable of Object.keys(service.environment ?? {})) {
      t.ok(configVariables.includes(variable), `${name}: ${variable} is read by src/config.ts`);
    }
    t.doesNotThrow(() => loadConfig(containerEnv(service)), `${name}: the default environment is valid`);
  }
  const config = loadConfig(containerEnv(api));
  t.equal(config.host, '0.0.0.0', 'api listens on all interfaces');
  t.equal(config.port, 3000);
  const tuned = loadConfig(containerEnv(api, { DB_POOL_MAX: '4', LOG_LEVEL: 'warn', CORS_ORIGIN: 'https://a.example' }));
  t.same([tuned.poolMax, tuned.logLevel, tuned.corsOrigin], [4, 'warn', 'https://a.example'], 'overrides reach the api');
  t.throws(() => loadConfig(containerEnv(api, { DB_POOL_MAX: 'lots' })), /DB_POOL_MAX/, 'a bad override fails at start');
});

t.test('seed is an opt-in profile', async (t) => {
  t.same(seed.profiles, ['seed']);
  t.same(seed.command?.slice(0, 3), ['node', 'dist/src/cli/seed.js', '--scale']);
  t.equal(interpolate(seed.command![3], {}), '0.1', 'a small data set by default');
  t.equal(interpolate(seed.command![3], { DEMO_SCALE: '2' }), '2', 'DEMO_SCALE from the shell sets it');
  t.ok(existsSync(join(root, 'src', 'cli', 'seed.ts')), 'its source exists');
  t.same(seed.depends_on, { migrate: { condition: 'service_completed_successfully' } });
  t.equal(seed.restart, 'no');
});
