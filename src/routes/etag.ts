/**
 * The strong ETag of a single object (API.md §5): the row's version
 * (PostgreSQL's `xmin`, which changes with every write of the row, by this
 * service or anyone else) and the principal's view, since what a principal
 * sees of a row (an author's email) depends on who asks: different bodies
 * never share an ETag.
 */
import type { Principal } from '../auth/principal.js';

function viewOf(principal: Principal): string {
  return principal.kind === 'author' ? `u${principal.authorId}` : principal.kind === 'admin' ? 'admin' : 'anon';
}

/** `"<xmin>.<view>"`, e.g. `"7412.anon"`. */
export function strongEtag(version: string, principal: Principal): string {
  return `"${version}.${viewOf(principal)}"`;
}

/**
 * Whether `If-Match` lets a write of a row whose current ETag is `current`
 * go ahead: no header, `*` (any existing row), or a list naming it. Weak
 * ETags never match (RFC 9110 uses strong comparison for If-Match).
 */
export function ifMatchAllows(header: string | string[] | undefined, current: string): boolean {
  if (header === undefined) return true;
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',').map((entry) => entry.trim());
  return entries.some((entry) => entry === '*' || entry === current);
}
