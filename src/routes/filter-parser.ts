/**
 * `filter[field]=value` on whitelisted fields: `true`/`false` for booleans,
 * `null` for IS NULL, `a,b` for any of them (API.md §4).
 */
import { badToken, oneOf } from '../errors.js';
import { parseFieldValue } from './field-values.js';
import type { ResourceShape } from './resources/resource.js';

export type FilterValue = string | number | boolean | Date;

/** `field` is any of `values`, or NULL when `orNull`. */
export interface FilterClause {
  readonly field: string;
  readonly values: readonly FilterValue[];
  readonly orNull: boolean;
}

/**
 * Parses one `filter[<field>]` parameter.
 *
 * ```ts
 * parseFilter('authorId', '1,2', articles) // { field: 'authorId', values: [1, 2], orNull: false }
 * parseFilter('categoryId', 'null', articles) // { field: 'categoryId', values: [], orNull: true }
 * ```
 */
export function parseFilter(fieldName: string, raw: string, resource: ResourceShape): FilterClause {
  const parameter = `filter[${fieldName}]`;
  const field = resource.fields[fieldName];
  if (!field || !resource.filters.includes(fieldName)) {
    throw badToken(parameter, fieldName, `cannot filter ${resource.name} by '${fieldName}'; filterable fields: ${oneOf(resource.filters)}`);
  }
  const values: FilterValue[] = [];
  let orNull = false;
  for (const token of raw.split(',')) {
    if (token === 'null') {
      if (!field.nullable) throw badToken(parameter, token, `${resource.name}.${fieldName} is never null`);
      orNull = true;
      continue;
    }
    if (token === '') throw badToken(parameter, token, `empty value in ${parameter}; give a value or a comma-separated list`);
    const parsed = parseFieldValue(field, token);
    if (!parsed.ok) throw badToken(parameter, token, `${parameter} expects ${parsed.expected} (or null, or a comma-separated list)`);
    // ids are read as JavaScript numbers (src/db/database.ts), so no row has one past 2^53: such a value matches nothing.
    if (typeof parsed.value === 'number' && !Number.isSafeInteger(parsed.value)) continue;
    values.push(parsed.value);
  }
  return { field: fieldName, values, orNull };
}
