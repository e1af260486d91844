/**
 * Opaque keyset cursors for `page[after]`: base64url JSON holding the sort
 * key values of the last row of a page and a fingerprint of the sort and
 * filters it was made for, so a cursor replayed with other ones is refused
 * instead of silently skipping or repeating rows.
 */
import { createHash } from 'node:crypto';
import { badToken } from '../errors.js';
import { BoundedCache } from '../orm/index.js';
import type { FilterClause } from './filter-parser.js';
import { COUNT_SORT_PREFIX, type SortKey } from './sort-parser.js';
import type { ResourceShape } from './resources/resource.js';

export type CursorValue = string | number | boolean | Date | null;

interface CursorJson {
  /** fingerprint of resource + ordering + filters */
  f: string;
  /** values of the ordering keys, timestamps as ISO strings */
  k: (string | number | boolean | null)[];
}

/**
 * Fingerprints by their canonical text: hashing costs ~20 µs of a request's
 * CPU, and a service sees the same few sorts and filters over and over.
 * Bounded: past the bound it starts over.
 */
const bindings = new BoundedCache<string, string>(1000);

/** Fingerprint of what a cursor is valid for. */
export function cursorBinding(resource: string, ordering: readonly SortKey[], filters: readonly FilterClause[]): string {
  const canonical = JSON.stringify([
    resource,
    ordering.map((key) => (key.descending ? `-${key.field}` : key.field)),
    [...filters]
      .sort((a, b) => (a.field < b.field ? -1 : 1))
      .map((clause) => [clause.field, clause.orNull, clause.values.map((v) => (v instanceof Date ? v.toISOString() : v))]),
  ]);
  return bindings.get(canonical, (text) => createHash('sha256').update(text).digest('base64url').slice(0, 16));
}

/** Encodes the cursor that continues after `values` (one per ordering key). */
export function encodeCursor(binding: string, values: readonly CursorValue[]): string {
  const json: CursorJson = { f: binding, k: values.map((v) => (v instanceof Date ? v.toISOString() : v)) };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/**
 * Decodes `page[after]` for a request with this ordering and binding; the
 * values come back typed by field kind (timestamps as Date).
 */
export function decodeCursor(raw: string, binding: string, ordering: readonly SortKey[], resource: ResourceShape): CursorValue[] {
  const invalid = (why: string) => badToken('page[after]', raw, `invalid cursor: ${why}; use links.next of the previous page as it is`);
  let json: CursorJson;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(raw)) throw new Error('not base64url');
    json = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor issued by this API');
  }
  if (typeof json !== 'object' || json === null || typeof json.f !== 'string' || !Array.isArray(json.k)) {
    throw invalid('not a cursor issued by this API');
  }
  if (json.f !== binding) {
    throw badToken('page[after]', raw, 'this cursor was made for another sort or other filters; use it with the sort and filter parameters of the page it came from');
  }
  if (json.k.length !== ordering.length) throw invalid('wrong number of keys');
  return ordering.map((key, i) => typedValue(resource, key.field, json.k[i], invalid));
}

/** A count (`counts.comments`) is a non-null integer. */
const COUNT_FIELD = { kind: 'integer', nullable: false } as const;

function typedValue(resource: ResourceShape, name: string, value: unknown, invalid: (why: string) => Error): CursorValue {
  const field = resource.fields[name] ?? (name.startsWith(COUNT_SORT_PREFIX) ? COUNT_FIELD : undefined);
  if (!field) throw invalid(`bad key ${name}`);
  if (value === null && field.nullable) return null;
  const kind = field.kind;
  if ((kind === 'id' || kind === 'integer') && Number.isSafeInteger(value)) return value as number;
  if (kind === 'boolean' && typeof value === 'boolean') return value;
  if (kind === 'text' && typeof value === 'string') return value;
  if (kind === 'timestamp' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw invalid(`bad value for ${name}`);
}
