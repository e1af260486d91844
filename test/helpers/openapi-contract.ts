/**
 * An OpenAPI 3.1 document as a response checker: ajv (JSON Schema 2020-12,
 * strict mode, formats) compiles the document's schemas once per distinct
 * document; `checkResponse` says what in one response the document does not
 * allow. Used by response-contract.ts for every response of the suite.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, any>;

// ajv-formats is CommonJS with a default export.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const COMPONENTS_ID = 'https://loom.invalid/openapi/components';

/** One response as the app is about to send it. */
export interface SentResponse {
  method: string;
  /** The route's URL pattern (`/articles/:id`). */
  routeUrl: string;
  status: number;
  headers: Record<string, unknown>;
  payload: unknown;
}

export interface Contract {
  document: Json;
  /** Validator for a schema object of the document (compiled on first use). */
  validator(schema: Json): ValidateFunction;
  /** Lower-cased names of every header the document declares anywhere. */
  knownHeaders: Set<string>;
}

/** `#/components/schemas/X` → the same definition in the schema ajv holds. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
      ? `${COMPONENTS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`
      : rewriteRefs(value);
  }
  return out;
}

const contracts = new Map<string, Contract>();

/** The checker for `document`, built once per distinct document in a process. */
export function contractFor(document: Json): Contract {
  const key = JSON.stringify(document);
  let contract = contracts.get(key);
  if (contract) return contract;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // OpenAPI 3.1's own schema keywords (annotations for validation).
  ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components?.schemas ?? {}) as Json });
  const compiled = new Map<string, ValidateFunction>();
  const knownHeaders = new Set<string>();
  collectHeaderNames(document, knownHeaders);
  contract = {
    document,
    knownHeaders,
    validator(schema) {
      const text = JSON.stringify(schema);
      let validate = compiled.get(text);
      if (!validate) {
        validate = ajv.compile(rewriteRefs(schema) as Json);
        compiled.set(text, validate);
      }
      return validate;
    },
  };
  contracts.set(key, contract);
  return contract;
}

function collectHeaderNames(document: Json, into: Set<string>): void {
  for (const item of Object.values(document.paths ?? {}) as Json[]) {
    for (const operation of Object.values(item) as Json[]) {
      for (const response of Object.values(operation?.responses ?? {}) as Json[]) {
        for (const name of Object.keys(response.headers ?? {})) into.add(name.toLowerCase());
      }
    }
  }
}

/** Follows a local `$ref` (`#/components/headers/X`). */
function resolve(document: Json, node: Json): Json {
  if (typeof node?.$ref !== 'string') return node;
  return node.$ref.slice(2).split('/').reduce((at: Json, part: string) => at?.[part], document);
}

/** `/articles/:id` → `/articles/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const mediaType = (value: unknown) => String(value ?? '').split(';')[0].trim().toLowerCase();

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join(', ');
}

/** A header value as its schema types it (headers are text on the wire). */
function headerValue(schema: Json, raw: string): unknown {
  return (schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}

/**
 * What in `sent` the document does not allow; empty when it conforms, or
 * when the route is not in the document.
 */
export function checkResponse(contract: Contract, sent: SentResponse): string[] {
  const { document } = contract;
  const method = sent.method === 'HEAD' ? 'get' : sent.method.toLowerCase();
  const operation: Json | undefined = document.paths?.[openapiPath(sent.routeUrl)]?.[method];
  if (!operation) return [];
  const status = String(sent.status);
  const response: Json | undefined = operation.responses?.[status] ?? operation.responses?.[`${status[0]}XX`] ?? operation.responses?.default;
  if (!response) return [`status ${status} is not documented for ${operation.operationId ?? `${method} ${sent.routeUrl}`} (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`];
  const problems: string[] = [];
  checkHeaders(contract, response, sent, problems);
  // HEAD, 204 and 304 responses have no body on the wire, whatever the payload (Node drops it).
  if (sent.method === 'HEAD' || sent.status === 204 || sent.status === 304) {
    if (response.content && sent.method !== 'HEAD') problems.push(`the document declares a body for ${status}, which never has one`);
    return problems;
  }
  const body = typeof sent.payload === 'string' || Buffer.isBuffer(sent.payload) ? String(sent.payload) : '';
  const content: Json | undefined = response.content;
  if (!content) {
    if (body !== '') problems.push(`the document declares no body for ${status}, but one was sent`);
    return problems;
  }
  const type = mediaType(sent.headers['content-type']);
  const media: Json | undefined = content[type];
  if (!media) {
    problems.push(`media type '${type}' is not documented for ${status} (documented: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (!media.schema) return problems;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    problems.push(`the ${type} body is not JSON`);
    return problems;
  }
  const validate = contract.validator(media.schema);
  if (!validate(parsed)) problems.push(`body does not match the schema: ${describeErrors(validate)}`);
  return problems;
}

function checkHeaders(contract: Contract, response: Json, sent: SentResponse, problems: string[]): void {
  const declared = new Set<string>();
  for (const [name, raw] of Object.entries(response.headers ?? {}) as [string, Json][]) {
    const header = resolve(contract.document, raw);
    declared.add(name.toLowerCase());
    const value = sent.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    if (header.schema) {
      const validate = contract.validator(header.schema);
      if (!validate(headerValue(header.schema, String(value)))) problems.push(`header ${name}: '${value}' ${describeErrors(validate)}`);
    }
  }
  for (const name of Object.keys(sent.headers)) {
    if (contract.knownHeaders.has(name) && !declared.has(name)) problems.push(`header ${name} is sent but not declared for this response`);
  }
}
