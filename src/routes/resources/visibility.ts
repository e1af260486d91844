/**
 * Who sees which rows and fields (API.md §6), declared once per resource
 * beside its presets. A resource's rows are visible to everyone, or under a
 * condition of its own that depends on the principal (articles: published,
 * or by the principal), or exactly when the row one of its to-one relations
 * points at is visible (comments follow their article; reactions their
 * target). The declarations are resolved into one function per resource,
 * `visibility(principal)`: an ORM condition on its rows, undefined when every
 * row is visible. The planner puts it into every query that loads the
 * resource's rows (src/routes/planner.ts); counts reuse the same function.
 */
import type { Principal } from '../../auth/principal.js';
import type { FilterInput } from '../../orm/index.js';

export type VisibilityRule =
  | { readonly kind: 'everyone' }
  | { readonly kind: 'condition'; readonly condition: (principal: Principal) => FilterInput | undefined }
  | { readonly kind: 'follows'; readonly relation: string };

/** Every row is visible to everyone (authors, categories, tags). */
export const visibleToEveryone: VisibilityRule = Object.freeze({ kind: 'everyone' });

/**
 * Rows matching `condition(principal)` are visible; undefined means all rows.
 *
 * ```ts
 * visibleWhen((p) => (p.kind === 'admin' ? undefined : { isPublished: true }))
 * ```
 */
export function visibleWhen(condition: (principal: Principal) => FilterInput | undefined): VisibilityRule {
  return Object.freeze({ kind: 'condition', condition });
}

/** A row is visible exactly when the row its to-one `relation` points at is (`visibleWith('article')`). */
export function visibleWith(relation: string): VisibilityRule {
  return Object.freeze({ kind: 'follows', relation });
}

/**
 * Fields only some principals may read: admins, and the author the row
 * belongs to (`owner`: the field holding that author's id; an author's own
 * id for authors). For everyone else the keys are absent from responses, and
 * filtering or sorting by them is refused (admins only, API.md §6).
 */
export interface PrivateFields {
  readonly names: readonly string[];
  readonly owner: string;
}

/**
 * Who reads private fields in one response: every row's (admin), none
 * (anonymous), or the rows whose owner is this author id.
 */
export type Viewer = true | null | number;

export function viewerOf(principal: Principal): Viewer {
  if (principal.kind === 'admin') return true;
  return principal.kind === 'author' ? principal.authorId : null;
}
