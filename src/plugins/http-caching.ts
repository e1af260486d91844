/**
 * HTTP caching (API.md §8). Every 200 response to a GET or HEAD carries an
 * ETag: the strong one a route set (§5, a single row's version), else a weak
 * one derived from the serialized body, so it changes whenever any included
 * row, count or field does. `If-None-Match` naming it (weak comparison, a list,
 * or `*`) turns the response into a 304 without a body. Every response, errors
 * included, says `Cache-Control: no-cache` (anonymous) or `private, no-cache`
 * (a request with credentials) and `Vary: Authorization`: a shared cache may
 * keep anonymous bodies but must revalidate them, and never mixes principals.
 *
 * The body is hashed with xxHash64 (xxhash-wasm) rather than SHA-1: on a
 * page of 50 scenario-1 articles (75 KB) SHA-1 took ~105-135 µs, ~5 % of the
 * request's CPU; xxh64 of the string ~33-40 µs (docs/PERFORMANCE.md). The
 * length is part of the tag, so two bodies share one only if they have the
 * same length and the same 64-bit hash.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import xxhash from 'xxhash-wasm';

/** Whether a request carries credentials: its principal is not anonymous, or it sent an Authorization header (even one refused with a 401). */
function authenticated(request: FastifyRequest): boolean {
  const principal = (request as { principal?: { kind: string } }).principal;
  return (principal !== undefined && principal !== null && principal.kind !== 'anonymous') || request.headers.authorization !== undefined;
}

/** `current` Vary list with `name` added once. */
export function withVary(current: unknown, name: string): string {
  if (current === undefined || current === '') return name;
  const list = String(current);
  return list.split(',').some((item) => item.trim().toLowerCase() === name.toLowerCase()) ? list : `${list}, ${name}`;
}

/** The opaque part of an entity tag, for the weak comparison (RFC 9110 §8.8.3.2). */
function opaque(tag: string): string {
  const trimmed = tag.trim();
  return trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
}

/** Whether an If-None-Match header matches `etag`: `*`, or any listed tag equal to it under the weak comparison. */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const wanted = opaque(etag);
  // Entity tags are quoted strings without commas inside (RFC 9110 §8.8.3), so a split on commas is exact.
  return header.split(',').some((tag) => opaque(tag) === wanted);
}

export async function registerHttpCaching(app: FastifyInstance): Promise<void> {
  const { h64Raw } = await xxhash();
  // The same tag as hashing the string (xxhash-wasm's h64ToString hashes its UTF-8 bytes), from the
  // bytes that are sent: the body is encoded once here and Fastify sends those bytes as they are,
  // instead of encoding the string for the hash, again to measure its length, and again to write it.
  const weakTag = (body: string, bytes: Buffer) =>
    `W/"${body.length.toString(36)}-${h64Raw(bytes).toString(16).padStart(16, '0')}"`;

  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    reply.header('cache-control', authenticated(request) ? 'private, no-cache' : 'no-cache');
    reply.header('vary', withVary(reply.getHeader('vary'), 'Authorization'));
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return done(null, payload);
    let etag = reply.getHeader('etag') as string | undefined;
    if (etag === undefined && typeof payload === 'string') {
      const bytes = Buffer.from(payload, 'utf8');
      etag = weakTag(payload, bytes);
      reply.header('etag', etag);
      payload = bytes;
    }
    const ifNoneMatch = request.headers['if-none-match'];
    if (etag === undefined || ifNoneMatch === undefined || !ifNoneMatchMatches(ifNoneMatch, etag)) return done(null, payload);
    reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    // undefined, not null: Fastify's HEAD route handler reads the payload's properties unless it is undefined.
    done(null, undefined);
  });
}
