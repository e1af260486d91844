/**
 * Converting query-string tokens to field values, shared by filters and
 * cursors. The limits follow the schema: ids and integers are bigint (below
 * 2^63), booleans `true`/`false`, timestamps ISO 8601.
 */
import type { ScalarField } from './resources/resource.js';

const INTEGER = /^(0|[1-9]\d{0,18})$/;
const MAX_BIGINT = 2n ** 63n;

/** A parsed value, or the reason the token is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

/** Parses a non-negative integer below 2^63 (the bigint range of ids). */
export function parseInteger(token: string): Parsed<number> {
  if (!INTEGER.test(token) || BigInt(token) >= MAX_BIGINT) return { ok: false, expected: 'an integer from 0 to 2^63-1' };
  return { ok: true, value: Number(token) };
}

/** Parses one token as a value of `field`; text is taken as is. */
export function parseFieldValue(field: ScalarField, token: string): Parsed<string | number | boolean | Date> {
  switch (field.kind) {
    case 'id':
    case 'integer':
      return parseInteger(token);
    case 'boolean':
      return token === 'true' || token === 'false' ? { ok: true, value: token === 'true' } : { ok: false, expected: 'true or false' };
    case 'timestamp': {
      const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(token) ? new Date(token) : new Date(NaN);
      return Number.isNaN(date.getTime()) ? { ok: false, expected: 'an ISO 8601 timestamp' } : { ok: true, value: date };
    }
    default:
      return { ok: true, value: token };
  }
}
