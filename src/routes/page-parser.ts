/** `page[size]` (1..100, default 20); `page[after]` is decoded by cursor.ts once sort and filters are known. */
import { badToken } from '../errors.js';

export const PAGE_SIZE = { min: 1, max: 100, default: 20 } as const;

/**
 * Parses `page[size]`.
 *
 * ```ts
 * parsePageSize(undefined) // 20
 * parsePageSize('50')      // 50
 * ```
 */
export function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return PAGE_SIZE.default;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= PAGE_SIZE.min && size <= PAGE_SIZE.max)) {
    throw badToken('page[size]', raw, `page[size] is a whole number from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`);
  }
  return size;
}
