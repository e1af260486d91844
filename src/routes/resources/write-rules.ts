/**
 * Who may write a resource's rows (API.md §6 "Who may write"), declared once
 * per resource beside its visibility. Admins may write everything; anonymous
 * clients nothing (401). What an author may do depends on the rule:
 * - `adminOnly`: nothing (categories, tags);
 * - `ownedBy(field)`: create rows whose `field` is their own author id, and
 *   change or delete the rows they own, without giving them to someone else
 *   (articles, comments, reactions);
 * - `selfOnly`: change the row that is themselves, never create or delete one
 *   (authors).
 * src/routes/write-authorize.ts applies the rule inside the write's transaction.
 */
export type WriteRule =
  | { readonly kind: 'adminOnly' }
  | { readonly kind: 'ownedBy'; readonly owner: string }
  | { readonly kind: 'selfOnly' };

export const adminOnly: WriteRule = Object.freeze({ kind: 'adminOnly' });

export const selfOnly: WriteRule = Object.freeze({ kind: 'selfOnly' });

/** Rows an author owns through `owner` (the field holding their author id). */
export function ownedBy(owner: string): WriteRule {
  return Object.freeze({ kind: 'ownedBy', owner });
}
