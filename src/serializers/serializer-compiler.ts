/**
 * Response serialization without validating every response: each route's
 * zod response schema is turned into JSON Schema once, at start-up, and
 * compiled by fast-json-stringify. (fastify-type-provider-zod's own
 * serializerCompiler runs `safeEncode` on every response, which costs more
 * than the database for large includes.) The zod schemas stay the single
 * source for the OpenAPI document.
 */
import fastJsonStringify from 'fast-json-stringify';
import { z } from 'zod';

type JsonSchema = Record<string, any>;

/**
 * fast-json-stringify picks an `anyOf` branch by validating the value with
 * ajv, which would validate whole nested objects. A nullable scalar becomes a
 * type list; a nullable `$ref` becomes a ref to a nullable copy of the
 * definition. Validation-only keywords are dropped.
 */
function forStringify(node: unknown, nullableRefs: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => forStringify(item, nullableRefs));
  if (node === null || typeof node !== 'object') return node;
  const schema = node as JsonSchema;
  const branches: JsonSchema[] | undefined = schema.anyOf;
  if (branches?.length === 2 && branches.some((b) => b.type === 'null')) {
    const other = branches.find((b) => b.type !== 'null')!;
    if (other.$ref) {
      const name = other.$ref.replace('#/definitions/', '');
      nullableRefs.add(name);
      return { $ref: `#/definitions/${name}OrNull` };
    }
    if (typeof other.type === 'string') return { ...forStringify(other, nullableRefs) as JsonSchema, type: [other.type, 'null'] };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'pattern' || key === 'format' || key === 'minimum' || key === 'maximum' || key === '$schema') continue;
    out[key] = forStringify(value, nullableRefs);
  }
  return out;
}

/** Compiles a zod response schema into a JSON string function, once. */
export function compileStringifier(schema: z.ZodType): (data: unknown) => string {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', cycles: 'ref', reused: 'inline', unrepresentable: 'any' }) as JsonSchema;
  const nullableRefs = new Set<string>();
  const { definitions: raw = {}, ...rest } = json;
  const root = forStringify(rest, nullableRefs) as JsonSchema;
  const definitions = forStringify(raw, nullableRefs) as JsonSchema;
  for (const name of nullableRefs) definitions[`${name}OrNull`] = { ...definitions[name], nullable: true };
  return fastJsonStringify({ ...root, definitions } as any) as (data: unknown) => string;
}

/** Fastify `serializerCompiler` for zod response schemas. */
export function serializerCompiler({ schema }: { schema: unknown }): (data: unknown) => string {
  // A bodiless response's declaration (src/openapi/responses.ts) has no schema to compile.
  if (!(schema instanceof z.ZodType)) return JSON.stringify;
  return compileStringifier(schema);
}
