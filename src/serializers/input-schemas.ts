/**
 * The zod schemas of write bodies (API.md §5), derived from the same resource
 * declaration as the response schemas: the writable fields (all but `id` and
 * `createdAt`), their types and nullability from the model, the required ones
 * (not null, no default) on POST, the choices of a generic type field, and the
 * write-only id lists that set a many-to-many relation (`tagIds`).
 *
 * No coercion: `1.5`, `"yes"`, `"1"` for an id are wrong types. Each schema
 * carries its own message, so a 422 says what was expected at each pointer.
 */
import { z } from 'zod';
import type { Resource } from '../routes/resources/index.js';
import type { WritableField } from '../routes/resources/declare-resource.js';
import { componentName } from './resource-schemas.js';

export interface InputSchemas {
  /** POST: required fields must be present. */
  create: z.ZodObject;
  /** PATCH: every field optional. */
  patch: z.ZodObject;
}

type Message = (issue: { input?: unknown }) => string;

/** "is required" for a missing member, else what was expected and what came. */
function expecting(what: string): Message {
  return (issue) => {
    const input = issue.input;
    if (input === undefined) return `required (${what})`;
    // Ids are read as JavaScript numbers (src/db/database.ts): no row has one past 2^53.
    if (Number.isInteger(input) && !Number.isSafeInteger(input)) return `no row has id ${String(input)} (ids stay below 2^53)`;
    const type = typeof input;
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
    return `expected ${what}, got ${got}`;
  };
}

const ID = 'a positive integer below 2^63';
// `z.int()` keeps to safe integers: every id a row can have is one (src/db/database.ts reads ids as numbers).
const id = () => z.int({ error: expecting(ID) }).positive({ error: `expected ${ID}` });

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO 8601 date-time with a zone whose parts exist (no February 30th, no 24:00). */
export function isTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = m.slice(1);
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  return Number(month) >= 1 && Number(month) <= 12 && Number(day) >= 1 && Number(day) <= daysInMonth &&
    Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 && Number(offsetHours) <= 15 && Number(offsetMinutes) <= 59;
}

const TIMESTAMP_TEXT = 'an ISO 8601 timestamp with a time zone, such as 2025-01-02T03:04:05.000Z';
// PostgreSQL refuses text holding NUL; a 422 says so instead of the database failing the statement.
const text = () => z.string({ error: expecting('a string') }).refine((s) => !s.includes('\u0000'), 'text may not contain the NUL character (\\u0000)');

function fieldSchema(name: string, field: WritableField, isKey: boolean): z.ZodType {
  let schema: z.ZodType;
  if (field.choices) schema = z.enum(field.choices as [string, ...string[]], { error: expecting(`one of ${field.choices.join(', ')}`) });
  else if (field.kind === 'id' || (field.kind === 'integer' && isKey)) schema = id();
  else if (field.kind === 'integer') schema = z.int({ error: expecting('an integer') });
  else if (field.kind === 'boolean') schema = z.boolean({ error: expecting('true or false') });
  else if (field.kind === 'timestamp') {
    schema = z.string({ error: expecting(TIMESTAMP_TEXT) }).refine(isTimestamp, `expected ${TIMESTAMP_TEXT}`).transform((value) => new Date(value));
  } else schema = text();
  const described = schema.describe(describe(name, field));
  return field.nullable ? described.nullable() : described;
}

function describe(name: string, field: WritableField): string {
  const parts = [field.required ? 'required on POST' : 'optional'];
  if (field.nullable) parts.push('null allowed');
  if (field.choices) parts.push(`one of ${field.choices.join(', ')}`);
  return `${name}: ${parts.join('; ')}`;
}

/** Example values for the docs' "Try it out": each kind of field gets a plausible one. */
function exampleValue(name: string, field: WritableField): unknown {
  if (field.choices) return field.choices[0];
  if (field.kind === 'boolean') return true;
  if (field.kind === 'timestamp') return '2025-01-02T03:04:05.000Z';
  if (field.kind === 'id' || field.kind === 'integer') return 1;
  if (name === 'email') return `someone-${Date.now().toString(36)}@example.com`;
  return `${name} text`;
}

function example(resource: Resource, requiredOnly: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(resource.writable.fields)) {
    if (!requiredOnly || field.required) out[name] = exampleValue(name, field);
  }
  for (const name of Object.keys(resource.writable.links)) out[name] = [1, 2];
  return out;
}

/** Fields holding another row's key (to-one relations): ids, so positive. */
function keyFields(resource: Resource): Set<string> {
  return new Set(Object.values(resource.model.meta.relations).flatMap((relation) => relation.keyFields()));
}

/** The POST and PATCH schemas of one resource. */
export function buildInputSchemas(resource: Resource): InputSchemas {
  const keys = keyFields(resource);
  const create: Record<string, z.ZodType> = {};
  const patch: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(resource.writable.fields)) {
    const schema = fieldSchema(name, field, keys.has(name));
    create[name] = field.required ? schema : schema.optional();
    patch[name] = schema.optional();
  }
  for (const [name, relation] of Object.entries(resource.writable.links)) {
    const list = z.array(id(), { error: expecting(`an array of ${relation} ids`) }).describe(`${name}: the whole set of ${relation} (write-only); replaces the current one`);
    create[name] = list.optional();
    patch[name] = list.optional();
  }
  const component = componentName(resource);
  return {
    create: z.strictObject(create).meta({ id: `${component}Create`, examples: [example(resource, false)] }),
    patch: z.strictObject(patch).meta({ id: `${component}Patch`, examples: [example(resource, true)] }),
  };
}

/** The input schemas of every resource, by resource name (built once: zod ids must be unique). */
export function buildAllInputSchemas(resources: ReadonlyMap<string, Resource>): ReadonlyMap<string, InputSchemas> {
  return new Map([...resources.values()].map((resource) => [resource.name, buildInputSchemas(resource)]));
}
