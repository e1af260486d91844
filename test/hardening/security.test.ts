/**
 * The security plugin: helmet headers, CORS from configuration, per-client
 * rate limiting (429 problem+json with Retry-After; probes exempt; off at 0).
 * Driven on a Fastify instance with the app's real error handler, plus a
 * check that the real app (buildApp) sends the headers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { registerErrorHandler } from '../../src/plugins/error-handler.js';
import { corsOrigins, securityPlugin, type SecurityOptions } from '../../src/plugins/security.js';
import { openPGlite } from '../helpers/databases.js';

async function appWith(t: Test, options: SecurityOptions): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandler(app);
  await app.register(securityPlugin, options);
  app.get('/articles', async (_request, reply) => {
    reply.header('server-timing', 'db;dur=1.0;desc="1 query"');
    return { data: [] };
  });
  app.get('/health/live', async () => ({ status: 'ok' }));
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': /max-age=\d+/,
  'content-security-policy': /default-src 'self'.*frame-ancestors 'none'/,
};

t.test('corsOrigins reads CORS_ORIGIN', async (t) => {
  t.equal(corsOrigins(undefined), undefined);
  t.equal(corsOrigins(' , '), undefined);
  t.same(corsOrigins('https://a.example, https://b.example'), ['https://a.example', 'https://b.example']);
  t.equal(corsOrigins('https://a.example,*'), '*');
});

t.test('security headers on data, on errors, and no CORS unless configured', async (t) => {
  const app = await appWith(t, { corsOrigin: undefined, rateLimitPerMinute: 0 });
  for (const url of ['/articles', '/nope']) {
    const response = await app.inject({ url, headers: { origin: 'https://evil.example' } });
    t.match(response.headers, SECURITY_HEADERS, `${url}: helmet headers`);
    t.notOk(response.headers['access-control-allow-origin'], `${url}: no CORS header`);
    t.notOk(response.headers['x-powered-by']);
  }
  t.notMatch(String((await app.inject('/articles')).headers['content-security-policy']), /upgrade-insecure-requests/, '/docs keeps working over plain http');
});

t.test('CORS for the listed origins only, with the headers clients need', async (t) => {
  const app = await appWith(t, { corsOrigin: 'https://a.example,https://b.example', rateLimitPerMinute: 0 });
  const allowed = await app.inject({ url: '/articles', headers: { origin: 'https://b.example' } });
  t.equal(allowed.headers['access-control-allow-origin'], 'https://b.example');
  t.match(allowed.headers['access-control-expose-headers'], /Server-Timing/);
  t.match(allowed.headers['access-control-expose-headers'], /Retry-After/);
  t.equal(allowed.headers['timing-allow-origin'], 'https://b.example', 'Server-Timing readable cross-origin');
  t.match(allowed.headers.vary, /Origin/);
  const denied = await app.inject({ url: '/articles', headers: { origin: 'https://evil.example' } });
  t.equal(denied.statusCode, 200, 'CORS is enforced by browsers; the server just does not allow');
  t.notOk(denied.headers['access-control-allow-origin']);
  t.notOk(denied.headers['timing-allow-origin']);
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/articles',
    headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://a.example');
  t.match(preflight.headers['access-control-allow-methods'], /GET/);
  t.notMatch(preflight.headers['access-control-allow-methods'], /POST|DELETE/);
});

t.test('CORS_ORIGIN=* allows any origin', async (t) => {
  const app = await appWith(t, { corsOrigin: '*', rateLimitPerMinute: 0 });
  const response = await app.inject({ url: '/articles', headers: { origin: 'https://any.example' } });
  t.equal(response.headers['access-control-allow-origin'], '*');
});

t.test('rate limiting: 429 problem+json with Retry-After, per client, probes exempt', async (t) => {
  const app = await appWith(t, { corsOrigin: undefined, rateLimitPerMinute: 3 });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/articles', remoteAddress: '10.0.0.1' })).statusCode);
  t.same(statuses, [200, 200, 200, 429]);
  const limited = await app.inject({ url: '/articles', remoteAddress: '10.0.0.1' });
  t.equal(limited.statusCode, 429);
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.match(limited.headers['retry-after'], /^\d+$/);
  t.match(limited.json(), { status: 429, title: 'Too Many Requests', detail: /3 requests per minute/ });
  t.equal((await app.inject({ url: '/articles', remoteAddress: '10.0.0.2' })).statusCode, 200, 'another client is not limited');
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/health/live', remoteAddress: '10.0.0.1' })).statusCode, 200, 'probe exempt');
});

t.test('rate limiting off at 0', async (t) => {
  const app = await appWith(t, { corsOrigin: undefined, rateLimitPerMinute: 0 });
  const responses = await Promise.all(Array.from({ length: 200 }, () => app.inject('/articles')));
  t.same(new Set(responses.map((r) => r.statusCode)), new Set([200]));
  t.notOk(responses[0].headers['x-ratelimit-limit']);
});

t.test('the real app sends the security headers (src/app.ts registers the plugin)', async (t) => {
  const database = await openPGlite();
  t.teardown(() => database.close());
  const app = await buildApp({ database });
  t.teardown(() => app.close());
  for (const url of ['/articles', '/articles?include=tgas', '/health/live']) {
    t.match((await app.inject(url)).headers, SECURITY_HEADERS, `${url}: helmet headers`);
  }
});
