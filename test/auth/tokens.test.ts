/**
 * Tokens (API.md §6): issued and revoked in the database, stored as hashes,
 * verified with a cache of at most 10 s (its TTL and clock injected here, so
 * no test sleeps).
 */
import { sql } from 'kysely';
import t from 'tap';
import { TokenVerifier } from '../../src/auth/token-verifier.js';
import { issueToken, lookUpToken, parseToken, revokeToken } from '../../src/auth/tokens.js';
import { eachDatabase } from '../helpers/databases.js';

t.test('tokens', async (t) => {
  await eachDatabase(t, async (t, { db }) => {
    await db.insertInto('authors').values({ id: 1, name: 'Ann', email: 'ann@example.com' }).execute();

    t.test('issued tokens are 256-bit secrets of which only a hash is stored', async (t) => {
      const author = await issueToken(db, 1);
      const admin = await issueToken(db, null);
      const parsed = parseToken(author.token)!;
      t.equal(parsed.id, author.id);
      t.equal(Buffer.from(parsed.secret, 'base64url').length, 32, '32 random bytes');
      t.not(parseToken(admin.token)!.secret, parsed.secret);
      const { rows } = await sql<Record<string, unknown>>`select * from api_tokens order by id`.execute(db);
      t.same(rows.map((row) => row.author_id === null ? null : Number(row.author_id)), [1, null]);
      const stored = JSON.stringify(rows);
      t.notMatch(stored, parsed.secret, 'the secret is not in the table');
      t.same(await lookUpToken(db, author.token), { kind: 'author', authorId: 1, tokenId: author.id });
      t.same(await lookUpToken(db, admin.token), { kind: 'admin', tokenId: admin.id });
    });

    t.test('a wrong secret, an unknown id or a malformed token is refused', async (t) => {
      const { id, token } = await issueToken(db, 1);
      const secret = parseToken(token)!.secret;
      const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
      t.equal(await lookUpToken(db, `loom_${id}_${flipped}`), undefined, 'same id, other secret');
      t.equal(await lookUpToken(db, `loom_999999_${secret}`), undefined, 'unknown id');
      for (const bad of ['', 'loom', token.slice(0, -1), `${token}x`, token.toUpperCase(), `loom_0_${secret}`]) {
        t.equal(await lookUpToken(db, bad), undefined, `malformed: ${JSON.stringify(bad.slice(0, 12))}…`);
      }
    });

    t.test('a revoked token stops working once the cache entry expires (injected clock)', async (t) => {
      let now = 1_000_000;
      const verifier = new TokenVerifier(db, { ttlMs: 10_000, now: () => now });
      const { id, token } = await issueToken(db, 1);
      t.same(await verifier.verify(token), { kind: 'author', authorId: 1, tokenId: id });
      t.equal(await revokeToken(db, id), true);
      t.equal(await revokeToken(db, id), false, 'revoking twice changes nothing');
      now += 9_999;
      t.ok(await verifier.verify(token), 'still cached just under 10 s');
      now += 1;
      t.equal(await verifier.verify(token), undefined, 'refused at 10 s');
      const uncached = new TokenVerifier(db, { ttlMs: 0 });
      t.equal(await uncached.verify(token), undefined);
    });

    t.test('a cache TTL over 10 s is refused', async (t) => {
      t.throws(() => new TokenVerifier(db, { ttlMs: 10_001 }), RangeError);
    });

    t.test('deleting an author deletes their tokens', async (t) => {
      await db.insertInto('authors').values({ id: 2, name: 'Bob', email: 'bob@example.com' }).execute();
      const { token } = await issueToken(db, 2);
      await db.deleteFrom('authors').where('id', '=', 2).execute();
      t.equal(await lookUpToken(db, token), undefined);
    });
  });
});
