/**
 * How a route declares its responses so that the OpenAPI document tells the
 * truth: the media type actually sent, every status the route can answer,
 * and the headers it sets. Fastify serializes by the same declarations
 * (per status and media type), so what is documented is what is sent.
 *
 * ```ts
 * response: {
 *   200: jsonResponse(ArticleSingle, 'The article', { headers: ['ETag'] }),
 *   ...problemResponses(400, 404, 500, 503),
 * }
 * ```
 * `Server-Timing` and `X-Request-Id` are added to every response by the
 * document finisher (document.ts); declare only what this route adds.
 */
import type { z } from 'zod';
import { ProblemSchema } from '../serializers/response-schemas.js';
import type { HeaderName } from './headers.js';

export const JSON_MEDIA_TYPE = 'application/json';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** A response entry of a route schema: Fastify reads `content`, the document all of it. */
export interface ResponseDeclaration {
  description: string;
  content?: Record<string, { schema: z.ZodType }>;
  /** Names from HEADERS (headers.ts); resolved to `$ref`s in the document. */
  headers?: Partial<Record<HeaderName, { optional?: true }>>;
}

/** Headers a response carries: always, or only sometimes (`optionalHeaders`: declared as not required). */
export interface HeaderOptions {
  headers?: HeaderName[];
  optionalHeaders?: HeaderName[];
}

function headerMap({ headers = [], optionalHeaders = [] }: HeaderOptions): ResponseDeclaration['headers'] {
  const entries = [...headers.map((name) => [name, {}]), ...optionalHeaders.map((name) => [name, { optional: true }])];
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** A JSON body (`application/json`) described by a zod schema. */
export function jsonResponse(schema: z.ZodType, description: string, options: HeaderOptions = {}): ResponseDeclaration {
  const declaration: ResponseDeclaration = { description, content: { [JSON_MEDIA_TYPE]: { schema } } };
  const headers = headerMap(options);
  if (headers) declaration.headers = headers;
  return declaration;
}

/** A response without a body (204, 304), with the headers it carries. */
export function emptyResponse(description: string, options: HeaderOptions = {}): ResponseDeclaration {
  const declaration: ResponseDeclaration = { description };
  const headers = headerMap(options);
  if (headers) declaration.headers = headers;
  return declaration;
}

/** When each error status happens, as the document says it, and the headers it carries. */
const PROBLEMS: Record<number, { description: string; headers?: HeaderName[] }> = {
  400: {
    description:
      'Bad request: a parameter is invalid (each one is named in `errors`), the response would be over the budget (narrow the include it names), ' +
      'or the Loom-Consistency header is malformed.',
  },
  401: { description: 'Missing, invalid or revoked bearer token.', headers: ['WWW-Authenticate'] },
  403: { description: 'The token\'s principal may not do this.' },
  404: { description: 'No such resource, or not visible to this principal.' },
  409: { description: 'Conflict: a unique value is already taken, or the same Idempotency-Key is still being processed.' },
  412: { description: 'If-Match does not match the current ETag; nothing was written.' },
  413: { description: 'The request body is too large.' },
  415: { description: 'The request body is not application/json.' },
  422: { description: 'The request body is well-formed JSON but invalid (each problem is named by a JSON Pointer in `errors`).' },
  429: { description: 'Too many requests from this client; retry after `Retry-After` seconds.', headers: ['Retry-After'] },
  500: { description: 'Unexpected error: the body carries a `requestId` to quote; details are only in the server log.' },
  503: { description: 'The database is unreachable or the request took too long; retry after `Retry-After` seconds.', headers: ['Retry-After'] },
};

/** The statuses problemResponses knows. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 500 | 503;

/** One problem+json response per status, each with its description and headers. */
export function problemResponses(...statuses: ProblemStatus[]): Record<number, ResponseDeclaration> {
  const out: Record<number, ResponseDeclaration> = {};
  for (const status of statuses) {
    const { description, headers = [] } = PROBLEMS[status];
    const declaration: ResponseDeclaration = { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } } };
    const map = headerMap({ headers });
    if (map) declaration.headers = map;
    out[status] = declaration;
  }
  return out;
}
