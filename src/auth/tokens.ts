/**
 * API tokens: `loom_<id>_<secret>`, the secret 32 random bytes (256 bits) in
 * base64url. The table (migration 0005) holds a SHA-256 of the secret, never
 * the secret; the id in the token finds the row, so the stored hash is then
 * compared in constant time. A fast hash is enough: the secret has 256 bits
 * of entropy, so nothing can be guessed from its hash (a slow password hash
 * would only cost every request).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Principal } from './principal.js';

const TOKEN = /^loom_([1-9]\d{0,15})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  id: number;
  /** The whole token: shown once, never stored. */
  token: string;
}

function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The id and secret of a well-formed token, or undefined. */
export function parseToken(token: string): { id: number; secret: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { id: Number(match[1]), secret: match[2] } : undefined;
}

/**
 * Creates a token for an author (`authorId`) or an admin (`null`).
 *
 * ```ts
 * const { id, token } = await issueToken(db, 3); // token: 'loom_12_Vq3...'
 * ```
 */
export async function issueToken(db: Kysely<any>, authorId: number | null): Promise<IssuedToken> {
  const secret = randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({ secret_hash: secretHash(secret), author_id: authorId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  return { id, token: `loom_${id}_${secret}` };
}

/** Marks a token revoked; false when no such unrevoked token exists. */
export async function revokeToken(db: Kysely<any>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * The principal a token stands for, read from the database (no cache), or
 * undefined for a malformed, unknown or revoked token.
 */
export async function lookUpToken(db: Kysely<any>, token: string): Promise<Principal | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .select(['secret_hash', 'author_id', 'revoked_at'])
    .where('id', '=', parsed.id)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(String(row.secret_hash), 'hex');
  const given = Buffer.from(secretHash(parsed.secret), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return row.author_id === null
    ? { kind: 'admin', tokenId: parsed.id }
    : { kind: 'author', authorId: Number(row.author_id), tokenId: parsed.id };
}
