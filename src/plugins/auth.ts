/**
 * `Authorization: Bearer <token>` → `request.principal` (API.md §6). No
 * header: anonymous. Anything else that is not a valid, unrevoked token is a
 * 401 on every route, reads included: a client that means to authenticate
 * must never be served silently as anonymous. The check is timed as its own
 * Server-Timing metric (`auth`, see server-timing.ts) and is not one of the
 * request's data queries. The token itself is never logged: Fastify's request
 * serializer logs no headers, and no message here quotes it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { problems } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; anonymous without an Authorization header. */
    principal: Principal;
    /** How long the token check took (ms); null when no token was given. */
    authDurationMs: number | null;
  }
}

export interface AuthOptions {
  /** How long a verified token is trusted before it is looked up again (ms, at most 10,000). */
  tokenCacheMs?: number;
}

const BEARER = /^Bearer +(\S+) *$/i;

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  // Token checks read the primary (app.database), even when reads go to a replica.
  const verifier = new TokenVerifier(app.database.db, { ttlMs: options.tokenCacheMs });
  // Fastify refuses an object as a decoration's initial value (it would be shared): set per request.
  app.decorateRequest('principal', null as never);
  app.decorateRequest('authDurationMs', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.principal = ANONYMOUS;
    const header = request.headers.authorization;
    if (header === undefined) return;
    const started = performance.now();
    try {
      const match = BEARER.exec(header);
      if (!match) throw problems.unauthorized("the Authorization header must be 'Bearer <token>'");
      const principal = await verifier.verify(match[1]);
      if (!principal) throw problems.unauthorized('the bearer token is invalid or revoked');
      request.principal = principal;
    } finally {
      request.authDurationMs = performance.now() - started;
    }
  });
}

/** The principal of a request that must be authenticated (writes): 401 for anonymous. */
export function requireAuthenticated(request: FastifyRequest): Exclude<Principal, { kind: 'anonymous' }> {
  const principal = request.principal;
  if (principal.kind === 'anonymous') throw problems.unauthorized('this operation needs Authorization: Bearer <token>');
  return principal;
}
