/**
 * The query and path parameters of the resource routes, as zod schemas for
 * the OpenAPI document. Validation itself is done by the parsers
 * (request-parser.ts), whose errors name the offending token.
 */
import { z } from 'zod';
import { countKeys } from './count-parser.js';
import { PAGE_SIZE } from './page-parser.js';
import { describeInclude, includeExamples } from './include-docs.js';
import type { Resource } from './resources/index.js';

function fieldsParameters(resources: ReadonlyMap<string, Resource>): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const resource of resources.values()) {
    shape[`fields[${resource.name}]`] = z
      .string()
      .optional()
      .describe(`Sparse fieldset for every ${resource.name} object in the response (id is always present): comma-separated from ${Object.keys(resource.fields).join(', ')}`);
  }
  return shape;
}

function includeParameter(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  return z.string().optional().meta({ description: describeInclude(resource, resources), examples: includeExamples(resource, resources) });
}

function countParameter(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  const own = countKeys(resource, resources);
  return z
    .string()
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

/** The parameters of a list route. */
export function listQuerySchema(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  const filters: Record<string, z.ZodType> = {};
  for (const name of resource.filters) {
    const field = resource.fields[name];
    const kind = field.kind === 'boolean' ? 'true or false' : field.kind === 'text' ? 'a string' : 'an integer';
    filters[`filter[${name}]`] = z
      .string()
      .optional()
      .describe(`Only ${resource.name} whose ${name} is ${kind}${field.nullable ? ', or null (IS NULL)' : ''}; a comma-separated list means any of them`);
  }
  return z.object({
    include: includeParameter(resource, resources),
    count: countParameter(resource, resources),
    sort: z
      .string()
      .optional()
      .describe(
        `Comma-separated fields, '-' for descending (default id): ${Object.keys(resource.fields).join(', ')}; ` +
          'or counts.<key> of a count asked for with count= (sort=-counts.comments&count=comments). NULLs last; id breaks ties.',
      ),
    ...filters,
    'page[size]': z.string().optional().describe(`Rows per page, ${PAGE_SIZE.min} to ${PAGE_SIZE.max} (default ${PAGE_SIZE.default})`),
    'page[after]': z.string().optional().describe('Opaque cursor from links.next; only valid with the sort and filters it came with'),
    ...fieldsParameters(resources),
  });
}

export const IdParams = z.object({ id: z.string().describe('A positive integer below 2^63') });

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

