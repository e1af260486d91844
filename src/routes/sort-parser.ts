/**
 * `sort=-pubDate,id`: any scalar field, `-` for descending. The ORM puts
 * NULLs last in both directions and appends `id` ascending as the final
 * tie-breaker unless the sort names it (API.md §3).
 */
import { badToken, oneOf } from '../errors.js';
import type { ResourceShape } from './resources/resource.js';

export interface SortKey {
  readonly field: string;
  readonly descending: boolean;
}

/** The sort key of a count (API.md §7): `counts.comments`, also the ORM annotation that computes it. */
export const COUNT_SORT_PREFIX = 'counts.';

/**
 * Parses `sort`; absent means `id` ascending. `counts.<key>` sorts by a count
 * of the top resource that `count=` asks for (`counts` holds its keys).
 *
 * ```ts
 * parseSort('-pubDate,id', articles) // [{ field: 'pubDate', descending: true }, { field: 'id', descending: false }]
 * parseSort('-counts.comments', articles, new Set(['comments'])) // [{ field: 'counts.comments', descending: true }]
 * ```
 */
export function parseSort(raw: string | undefined, resource: ResourceShape, counts: ReadonlySet<string> = new Set()): SortKey[] {
  if (raw === undefined) return [];
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  for (const token of raw.split(',')) {
    const descending = token.startsWith('-');
    const field = descending ? token.slice(1) : token;
    if (field.startsWith(COUNT_SORT_PREFIX)) {
      const key = field.slice(COUNT_SORT_PREFIX.length);
      if (!counts.has(key)) {
        const asked = counts.size ? `; count= asks for ${[...counts].join(', ')}` : '';
        throw badToken('sort', token, `sorting by ${field} needs count=${key || '<relation>'} (a count of ${resource.name})${asked}`);
      }
    } else if (!resource.fields[field]) {
      const what = field === '' ? 'an empty sort key' : `unknown field '${field}' on ${resource.name}`;
      throw badToken(
        'sort',
        token,
        `cannot sort by ${what}; expected one of ${oneOf(Object.keys(resource.fields))} or counts.<key> of a count, optionally prefixed with '-'`,
      );
    }
    if (seen.has(field)) throw badToken('sort', token, `'${field}' appears twice in sort`);
    seen.add(field);
    keys.push({ field, descending });
  }
  return keys;
}

/** The full ordering a page is read in: the sort keys, then `id` unless named. */
export function effectiveOrdering(sort: readonly SortKey[]): SortKey[] {
  return sort.some((key) => key.field === 'id') ? [...sort] : [...sort, { field: 'id', descending: false }];
}

/** The ORM's orderBy arguments for a sort: `['-pubDate', 'id']`. */
export function orderByArguments(sort: readonly SortKey[]): string[] {
  return sort.map((key) => (key.descending ? `-${key.field}` : key.field));
}
