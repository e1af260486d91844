/**
 * Who is asking (API.md §6): nobody in particular, an author (a token bound
 * to an author) or an admin. Every read and write decision takes one of these.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'author'; readonly authorId: number; readonly tokenId: number }
  | { readonly kind: 'admin'; readonly tokenId: number };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/** The author a principal acts for, or undefined (anonymous, admin). */
export function actingAuthorId(principal: Principal): number | undefined {
  return principal.kind === 'author' ? principal.authorId : undefined;
}
