/**
 * The response headers the document declares, once each, as
 * `components.headers` entries that responses `$ref`. A route names the ones
 * it sends (`jsonResponse(schema, { headers: ['ETag'] })`); the ones every
 * response carries are added to every response by the document finisher
 * (document.ts), so no route can forget them.
 */

/** A header as OpenAPI declares it (`components.headers.<name>`). */
export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

const text = { type: 'string' };

/** Every header a route may name, by its canonical spelling. */
export const HEADERS = {
  'Server-Timing': {
    description:
      'The SQL statements this request ran and their wall time, `db;dur=<ms>;desc="<N> queries"`, and when a bearer token was given ' +
      'the time its check took, `, auth;dur=<ms>` (not one of the queries).',
    required: true,
    schema: { type: 'string', pattern: '^db;dur=[0-9]+\\.[0-9];desc="[0-9]+ queries"(, auth;dur=[0-9]+\\.[0-9])?$' },
  },
  'X-Request-Id': {
    description: 'This request\'s id; 5xx problem bodies repeat it as `requestId`. Quote it when reporting an error.',
    required: true,
    schema: { type: 'string', minLength: 1 },
  },
  ETag: {
    description:
      'The version of this representation: strong for a single row without include or fields (it changes with the row), ' +
      'else weak (`W/"…"`, from the body). Send it back in If-None-Match to get a 304 while it is current.',
    required: true,
    schema: { type: 'string', pattern: '^(W/)?"[^"]*"$' },
  },
  'Cache-Control': {
    description: '`no-cache` for anonymous requests, `private, no-cache` for requests with credentials: caches must revalidate (API.md §8).',
    required: true,
    schema: { type: 'string', enum: ['no-cache', 'private, no-cache'] },
  },
  Vary: { description: 'Always names `Authorization`: responses differ by principal.', required: true, schema: { type: 'string', pattern: 'Authorization' } },
  Location: { description: 'The path of the resource this request created: `/{resource}/{id}`.', required: true, schema: text },
  'Idempotent-Replayed': {
    description: '`true` when this is the kept response of an earlier request with the same Idempotency-Key; nothing was written.',
    required: true,
    schema: { type: 'string', enum: ['true'] },
  },
  'Loom-Consistency': {
    description: 'The commit\'s WAL position: send it back on a read to see this write (API.md §9).',
    required: true,
    schema: { type: 'string', pattern: '^[0-9A-F]{1,8}/[0-9A-F]{1,8}$' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'integer', minimum: 0 } },
  'WWW-Authenticate': { description: 'The authentication scheme to use: `Bearer`.', required: true, schema: text },
  'X-RateLimit-Limit': { description: 'Requests allowed per client per minute.', required: true, schema: { type: 'integer', minimum: 0 } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window.', required: true, schema: { type: 'integer', minimum: 0 } },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets.', required: true, schema: { type: 'integer', minimum: 0 } },
} satisfies Record<string, HeaderObject>;

export type HeaderName = keyof typeof HEADERS;

/** Headers on every response of every operation. */
export const EVERY_RESPONSE: readonly HeaderName[] = ['Server-Timing', 'X-Request-Id', 'Cache-Control', 'Vary'];

/** Headers on every 200 and 304 of a GET (src/plugins/http-caching.ts). */
export const CONDITIONAL_GET: readonly HeaderName[] = ['ETag'];

/** Headers on every response of a rate-limited operation (when `RATE_LIMIT_PER_MINUTE` > 0). */
export const RATE_LIMITED: readonly HeaderName[] = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/** The component key of a header: `Server-Timing` → `ServerTiming`. */
export function headerComponent(name: HeaderName): string {
  return name.replace(/-/g, '');
}
