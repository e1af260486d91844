/**
 * Sparse fieldsets (API.md §4): `fields[articles]=title,pubDate` keeps only
 * those scalar fields (plus `id`) on every article anywhere in the response.
 */
import { badToken, oneOf } from '../errors.js';
import type { Catalog } from './resources/resource.js';

/** Resource name → the scalar fields to render, `id` first. Absent: all fields. */
export type Fieldsets = ReadonlyMap<string, readonly string[]>;

/**
 * Parses one `fields[<resource>]` value.
 *
 * ```ts
 * parseFieldset('articles', 'title,pubDate', catalog) // ['id', 'title', 'pubDate']
 * ```
 */
export function parseFieldset(resourceName: string, raw: string, catalog: Catalog): string[] {
  const parameter = `fields[${resourceName}]`;
  const resource = catalog.get(resourceName);
  if (!resource) {
    throw badToken(parameter, resourceName, `unknown resource '${resourceName}' in fields[...]; expected one of ${oneOf(catalog.keys())}`);
  }
  if (raw === '') throw badToken(parameter, raw, `${parameter} is empty; name at least one field of ${resourceName}`);
  const chosen = new Set<string>(['id']);
  for (const name of raw.split(',')) {
    if (resource.fields[name]) {
      chosen.add(name);
      continue;
    }
    const why = resource.relations[name]
      ? `'${name}' is a relation of ${resourceName}, not a field; relations are chosen with include`
      : `unknown field '${name}' on ${resourceName}`;
    throw badToken(parameter, name, `${why}; expected one of ${oneOf(Object.keys(resource.fields))}`);
  }
  return [...chosen];
}
