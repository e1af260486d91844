/**
 * The query and path parameters of the resource routes, as zod schemas for
 * the OpenAPI document, typed as far as the values are known: `page[size]` an
 * integer in range, `include`, `sort` and `fields[...]` with patterns built
 * from the declared relations and fields. Validation itself is done by the
 * parsers (request-parser.ts), whose errors name the offending token; the
 * patterns accept no less than they do.
 */
import { z } from 'zod';
import { countKeys } from './count-parser.js';
import { PAGE_SIZE } from './page-parser.js';
import { describeInclude, includeExamples } from './include-docs.js';
import { INCLUDE_LIMITS } from './include-parser.js';
import type { Resource } from './resources/index.js';
import type { FieldKind } from './resources/resource.js';

/** `a|b|c` for a regular expression (names are letters and digits). */
const alternatives = (names: readonly string[]) => `(?:${names.join('|')})`;

/** A comma-separated list of `item`s. */
const listOf = (item: string) => `^${item}(?:,${item})*$`;

function fieldsParameters(resources: ReadonlyMap<string, Resource>): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const resource of resources.values()) {
    const names = Object.keys(resource.fields);
    shape[`fields[${resource.name}]`] = z
      .string()
      .regex(new RegExp(listOf(alternatives(names))))
      .optional()
      .describe(`Sparse fieldset for every ${resource.name} object in the response (id is always present): comma-separated from ${names.join(', ')}`);
  }
  return shape;
}

/**
 * The include grammar (API.md §3), with the first segment of each path one of
 * the resource's relations; deeper segments depend on the path, which the
 * description lists.
 */
export function includePattern(resource: Resource): RegExp {
  const name = '[A-Za-z][A-Za-z0-9]*';
  const segment = `${name}(?::${name})?`;
  const first = `${alternatives(Object.keys(resource.relations))}(?::${name})?`;
  const path = `${first}(?:\\.${segment}){0,${INCLUDE_LIMITS.maxDepth - 1}}`;
  return new RegExp(`^$|${listOf(path)}`);
}

function includeParameter(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  return z
    .string()
    .max(INCLUDE_LIMITS.maxLength)
    .regex(includePattern(resource))
    .optional()
    .meta({ description: describeInclude(resource, resources), examples: includeExamples(resource, resources) });
}

function countParameter(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  const own = countKeys(resource, resources);
  // The include grammar: count paths are include paths (API.md §7).
  return z
    .string()
    .max(INCLUDE_LIMITS.maxLength)
    .regex(includePattern(resource))
    .optional()
    .meta({
      description:
        `Counts of to-many relations, as comma-separated include paths whose last segment is a to-many relation, optionally with a filter preset ` +
        `(never a sliced one such as recentN); every segment before it must be in include. Each object at the end of the path's parent gets ` +
        `"counts": { "<relation>[:<preset>]": <integer> }. Counts of ${resource.name}: ${own.join(', ') || '(none)'}. ` +
        'Computed in the query that loads their objects: no extra query. Not affected by fields[...].',
      examples: own.length ? [own.slice(0, 2).join(',')] : undefined,
    });
}

/** `include`, `count` and `fields[...]`: the parameters of a detail route. */
export function detailQuerySchema(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  return z.object({ include: includeParameter(resource, resources), count: countParameter(resource, resources), ...fieldsParameters(resources) });
}

const FILTER_VALUE: Record<FieldKind, string | undefined> = {
  id: '(?:0|[1-9][0-9]{0,18})',
  integer: '(?:0|[1-9][0-9]{0,18})',
  boolean: '(?:true|false)',
  timestamp: undefined,
  text: undefined,
};

function filterParameters(resource: Resource): Record<string, z.ZodType> {
  const filters: Record<string, z.ZodType> = {};
  for (const name of resource.filters) {
    const field = resource.fields[name];
    const kind = field.kind === 'boolean' ? 'true or false' : field.kind === 'text' ? 'a string' : 'an integer';
    const value = FILTER_VALUE[field.kind];
    let schema = z.string();
    if (value) schema = schema.regex(new RegExp(listOf(field.nullable ? `(?:${value}|null)` : value)));
    filters[`filter[${name}]`] = schema
      .optional()
      .describe(`Only ${resource.name} whose ${name} is ${kind}${field.nullable ? ', or null (IS NULL)' : ''}; a comma-separated list means any of them`);
  }
  return filters;
}

/** The parameters of a list route. */
export function listQuerySchema(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  const fields = Object.keys(resource.fields);
  return z.object({
    include: includeParameter(resource, resources),
    count: countParameter(resource, resources),
    sort: z
      .string()
      .regex(new RegExp(listOf(`-?${alternatives([...fields, ...countKeys(resource, resources).map((key) => `counts\\.${key}`)])}`)))
      .optional()
      .describe(
        `Comma-separated fields, '-' for descending (default id): ${fields.join(', ')}; ` +
          'or counts.<key> of a count asked for with count= (sort=-counts.comments&count=comments). NULLs last; id breaks ties.',
      ),
    ...filterParameters(resource),
    'page[size]': z
      .int()
      .min(PAGE_SIZE.min)
      .max(PAGE_SIZE.max)
      .default(PAGE_SIZE.default)
      .describe(`Rows per page, ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`),
    'page[after]': z.string().optional().describe('Opaque cursor from links.next; only valid with the sort and filters it came with'),
    ...fieldsParameters(resources),
  });
}

/** `{id}`: a positive integer below 2^63. */
export const IdParams = z.object({
  id: z.int().min(1).describe('A positive integer below 2^63'),
});

/** The request headers of a read route: `Loom-Consistency` (API.md §9). */
export const readHeadersSchema = z.object({
  'loom-consistency': z
    .string()
    .optional()
    .meta({
      description:
        'A token from a write response\'s Loom-Consistency header: the read then sees that write (served by a replica only once it has replayed it, else by the primary). Malformed: 400.',
      examples: ['0/16B3748'],
    }),
});

