/**
 * From the routes' declarations to the published document. @fastify/swagger
 * builds it, fastify-type-provider-zod turns the zod schemas into JSON Schema
 * 2020-12 (OpenAPI 3.1); the two steps here add what neither knows about:
 *
 * - `transformRoute`: responses declared with responses.ts keep their
 *   description and headers (the zod transform keeps only `content`), and
 *   bodiless ones (204, 304) get no content.
 * - `finishDocument`: headers become `$ref`s to `components.headers`, the
 *   headers every response carries are added to every response, and so are
 *   the problems every operation can answer (401: any route refuses a bad
 *   token; 429 with the rate-limit headers when rate limiting is on), and components no
 *   operation reaches are dropped (the zod registry holds every schema with an
 *   id, `*Input` copies included).
 */
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { CONDITIONAL_GET, EVERY_RESPONSE, HEADERS, type HeaderName, headerComponent, RATE_LIMITED } from './headers.js';
import { PROBLEM_MEDIA_TYPE, problemResponses, type ResponseDeclaration } from './responses.js';

type Json = Record<string, any>;
type RouteTransformInput = Parameters<typeof jsonSchemaTransform>[0];

const isDeclaration = (entry: unknown): entry is ResponseDeclaration =>
  typeof entry === 'object' && entry !== null && typeof (entry as Json).description === 'string' && !('_zod' in entry);

/** The per-route transform: the zod transform, plus descriptions, headers and bodiless responses. */
export function transformRoute(input: RouteTransformInput): ReturnType<typeof jsonSchemaTransform> {
  // A route without a schema declares nothing to document (the service has none; tests add some).
  if (!input.schema) return { schema: { hide: true }, url: input.url } as ReturnType<typeof jsonSchemaTransform>;
  const response = (input.schema as Json | undefined)?.response as Json | undefined;
  if (!response) return jsonSchemaTransform(input);
  const withBody = Object.fromEntries(Object.entries(response).filter(([, entry]) => !isDeclaration(entry) || entry.content));
  const out = jsonSchemaTransform({ ...input, schema: { ...input.schema, response: withBody } } as RouteTransformInput);
  const transformed = (out.schema as Json | undefined)?.response as Json | undefined;
  if (!transformed) return out;
  for (const [status, entry] of Object.entries(response)) {
    if (!isDeclaration(entry)) continue;
    const target: Json = entry.content ? transformed[status] : { type: 'null' };
    target.description = entry.description;
    // @fastify/swagger turns each into `{ schema: {} }`; finishDocument replaces it with a $ref.
    if (entry.headers) target.headers = { ...entry.headers };
    transformed[status] = target;
  }
  return out;
}

export interface DocumentOptions {
  /** Rate limiting is on: every operation but the probes may answer 429 and sends the counters. */
  rateLimited: boolean;
  /**
   * EXPLAIN over HTTP is on (src/plugins/query-plans.ts): every GET's 200 may be
   * `application/vnd.loom.plan+json`. Off, asking for plans is a 404 on every GET.
   */
  plansEnabled: boolean;
}

const PLAN_MEDIA_TYPE = 'application/vnd.loom.plan+json';

/** `{ plans: [...] }`: PostgreSQL's plan of each data statement the request ran. */
const QUERY_PLANS_SCHEMA = {
  type: 'object',
  description: 'The plan of every data statement the request ran, in order (PostgreSQL EXPLAIN, FORMAT JSON).',
  properties: {
    plans: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sql: { type: 'string' },
          parameters: { type: 'array', items: {} },
          plan: { type: 'object', description: 'PostgreSQL\'s plan object (`Plan`, `Planning Time`, …)' },
        },
        required: ['sql', 'parameters', 'plan'],
        additionalProperties: false,
      },
    },
  },
  required: ['plans'],
  additionalProperties: false,
};

/** Plans asked for with Accept: a second media type of every GET's 200, or a 404 when plans are off. */
function declarePlans(operation: Json, enabled: boolean): void {
  if (enabled) {
    operation.responses[200].content[PLAN_MEDIA_TYPE] = { schema: { $ref: '#/components/schemas/QueryPlans' } };
    return;
  }
  operation.responses[404] ??= problemResponseDocument(404);
  operation.responses[404].description += ' Also: query plans asked for (`Accept: application/vnd.loom.plan+json`) while EXPLAIN_ENABLED is off.';
}

function* operations(document: Json): Generator<{ path: string; method: string; operation: Json }> {
  for (const [path, item] of Object.entries(document.paths ?? {}) as [string, Json][]) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']) {
      if (item[method]) yield { path, method, operation: item[method] };
    }
  }
}

/** A header component: the catalog's, or its copy that is not required (sent only sometimes). */
type UsedHeader = `${HeaderName}` | `${HeaderName}?`;

/** Every response's headers as `$ref`s, the ones on every response added. */
function declareHeaders(operation: Json, rateLimited: boolean, used: Set<UsedHeader>): void {
  for (const response of Object.values(operation.responses ?? {}) as Json[]) {
    const declared: Json = response.headers ?? {};
    const names = new Set<string>([...EVERY_RESPONSE, ...(rateLimited ? RATE_LIMITED : []), ...Object.keys(declared)]);
    const headers: Json = {};
    for (const name of names) {
      if (!(name in HEADERS)) throw new Error(`response header ${name} is not declared in src/openapi/headers.ts`);
      // @fastify/swagger moved the declaration's `{ optional: true }` under `schema`.
      const optional = Boolean(declared[name]?.optional ?? declared[name]?.schema?.optional);
      const component = optional ? `${headerComponent(name as HeaderName)}Optional` : headerComponent(name as HeaderName);
      headers[name] = { $ref: `#/components/headers/${component}` };
      used.add(optional ? `${name as HeaderName}?` : (name as HeaderName));
    }
    response.headers = headers;
  }
}

function headerComponents(used: Set<UsedHeader>): Json {
  const components: Json = {};
  for (const key of used) {
    const name = key.replace(/\?$/, '') as HeaderName;
    if (key.endsWith('?')) components[`${headerComponent(name)}Optional`] = { ...HEADERS[name], required: false };
    else components[headerComponent(name)] = HEADERS[name];
  }
  return components;
}

/** `$ref` targets reachable from `node`. */
function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, into);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.add(value);
      else collectRefs(value, into);
    }
  }
}

/** Drops schema components that no operation reaches, directly or through other components. */
function pruneSchemas(document: Json): void {
  const schemas: Json = document.components?.schemas ?? {};
  const prefix = '#/components/schemas/';
  const reached = new Set<string>();
  const pending = new Set<string>();
  collectRefs(document.paths, pending);
  while (pending.size) {
    const ref: string = pending.values().next().value!;
    pending.delete(ref);
    if (reached.has(ref) || !ref.startsWith(prefix)) continue;
    reached.add(ref);
    collectRefs(schemas[ref.slice(prefix.length)], pending);
  }
  for (const name of Object.keys(schemas)) if (!reached.has(prefix + name)) delete schemas[name];
}

/** The `transformObject` of @fastify/swagger: see the module comment. */
export function finishDocument(options: DocumentOptions) {
  return (input: Parameters<typeof jsonSchemaTransformObject>[0]): ReturnType<typeof jsonSchemaTransformObject> => {
    const document = jsonSchemaTransformObject(input) as Json;
    const used = new Set<UsedHeader>();
    for (const { path, method, operation } of operations(document)) {
      const rateLimited = options.rateLimited && !path.startsWith('/health/');
      // Checked on every route before it runs: a malformed Loom-Consistency token is a 400
      // (src/plugins/consistency.ts), a bad bearer token a 401 (src/plugins/auth.ts).
      operation.responses[400] ??= problemResponseDocument(400);
      operation.responses[401] ??= problemResponseDocument(401);
      if (rateLimited) operation.responses[429] ??= problemResponseDocument(429);
      if (method === 'get' && operation.responses[200]) {
        declareConditionalGet(operation);
        declarePlans(operation, options.plansEnabled);
      }
      declareHeaders(operation, rateLimited, used);
    }
    if (options.plansEnabled) document.components.schemas.QueryPlans = QUERY_PLANS_SCHEMA;
    document.components.headers = headerComponents(used);
    pruneSchemas(document);
    return document as ReturnType<typeof jsonSchemaTransformObject>;
  };
}

/**
 * Every 200 of a GET carries an ETag, and If-None-Match naming it makes it a
 * 304 without a body (src/plugins/http-caching.ts, API.md §8).
 */
function declareConditionalGet(operation: Json): void {
  const names = (response: Json) => ({ ...response.headers, ...Object.fromEntries(CONDITIONAL_GET.map((name) => [name, {}])) });
  operation.responses[200].headers = names(operation.responses[200]);
  operation.responses[304] ??= { description: 'Not modified: the ETag in If-None-Match is current. No body.', headers: names({}) };
  operation.parameters ??= [];
  if (!operation.parameters.some((p: Json) => p.in === 'header' && p.name.toLowerCase() === 'if-none-match')) {
    operation.parameters.push({
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'ETags from earlier responses (or `*`): a 304 without a body when one matches the current ETag (weak comparison).',
      schema: { type: 'string' },
    });
  }
}

/** A problem response as it appears in the document (for statuses the finisher adds itself). */
function problemResponseDocument(status: 400 | 401 | 404 | 429): Json {
  const { description, headers } = problemResponses(status)[status];
  return { description, headers: { ...headers }, content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
}
