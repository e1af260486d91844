/**
 * API.md §6 "Who may write", allowed and refused, on both databases, on the
 * blog of visibility.fixture.ts: anonymous 401; authors create and change
 * their own articles, comments and reactions, change their own author record,
 * nothing else (403); a row they cannot see is a 404, a body naming one a 422;
 * admins anything.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { eachDatabase } from '../helpers/databases.js';
import { send } from '../helpers/writes.js';
import { ANN, BOB, CAT, insertVisibilityBlog } from './visibility.fixture.js';

t.test('write permissions', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await insertVisibilityBlog(database.db);
    const app = await buildApp({ database });
    t.teardown(() => app.close());
    const bearer = async (authorId: number | null) => ({ authorization: `Bearer ${(await issueToken(database.db, authorId)).token}` });
    const [ann, bob, admin] = [await bearer(ANN), await bearer(BOB), await bearer(null)];

    t.test('anonymous: 401 with WWW-Authenticate on every write, before the body is read', async (t) => {
      for (const [method, url] of [['POST', '/tags'], ['PATCH', '/articles/1'], ['DELETE', '/comments/1'], ['POST', '/articles']] as const) {
        const response = await send(app, method, url, { data: { name: 'x' } });
        t.equal(response.status, 401, `${method} ${url}`);
        t.equal(response.headers['www-authenticate'], 'Bearer');
      }
      const garbage = await send(app, 'POST', '/tags', undefined, { 'content-type': 'text/plain' }, 'not json');
      t.equal(garbage.status, 401, 'even with a body that would be a 415');
    });

    t.test('an author creates articles, comments and reactions as themselves', async (t) => {
      const article = await send(app, 'POST', '/articles', { data: { authorId: ANN, title: 'Mine', body: 'b' } }, ann);
      t.equal(article.status, 201);
      const comment = await send(app, 'POST', '/comments', { data: { articleId: 5, authorId: ANN, body: 'hi' } }, ann);
      t.equal(comment.status, 201, "on Bob's published article");
      const reaction = await send(app, 'POST', '/reactions', { data: { targetType: 'comment', targetId: 1, kind: 'like', authorId: ANN } }, ann);
      t.equal(reaction.status, 201);
      for (const [url, data] of [
        ['/articles', { authorId: BOB, title: 'Not mine', body: 'b' }],
        ['/comments', { articleId: 1, body: 'no author' }],
        ['/reactions', { targetType: 'article', targetId: 1, kind: 'like', authorId: BOB }],
      ] as const) {
        const refused = await send(app, 'POST', url, { data }, ann);
        t.equal(refused.status, 403, `${url} as someone else`);
        t.equal(refused.body.type, 'urn:loom:problem:forbidden');
      }
    });

    t.test('naming a row the author cannot see is the 422 of a missing row', async (t) => {
      const hidden = await send(app, 'POST', '/comments', { data: { articleId: 6, authorId: ANN, body: 'x' } }, ann);
      const missing = await send(app, 'POST', '/comments', { data: { articleId: 999, authorId: ANN, body: 'x' } }, ann);
      t.equal(hidden.status, 422);
      t.same(hidden.body.errors, [{ pointer: '/data/articleId', detail: 'no articles with id 6' }]);
      t.equal(missing.status, 422);
      t.same(missing.body.errors.map((e: any) => e.pointer), ['/data/articleId']);
      const onHiddenComment = await send(app, 'POST', '/reactions', { data: { targetType: 'comment', targetId: 8, kind: 'like', authorId: ANN } }, ann);
      t.equal(onHiddenComment.status, 422);
      t.same(onHiddenComment.body.errors, [{ pointer: '/data/targetId', detail: 'no comment with id 8' }]);
      const moved = await send(app, 'PATCH', '/comments/3', { data: { articleId: 6 } }, ann);
      t.equal(moved.status, 422, 'moving her comment onto a draft she cannot see');
      const catSees = await send(app, 'POST', '/comments', { data: { articleId: 6, authorId: CAT, body: 'mine' } }, await bearer(CAT));
      t.equal(catSees.status, 201, 'Cat may comment on her own draft');
    });

    t.test('an author changes and deletes their own rows only', async (t) => {
      t.equal((await send(app, 'PATCH', '/articles/1', { data: { title: 'A1 again' } }, ann)).status, 200);
      t.equal((await send(app, 'PATCH', '/articles/5', { data: { title: 'not hers' } }, ann)).status, 403, "Bob's article");
      t.equal((await send(app, 'PATCH', '/articles/1', { data: { authorId: BOB } }, ann)).status, 403, 'giving it to someone else');
      t.equal((await send(app, 'PATCH', '/articles/1', { data: { authorId: ANN } }, ann)).status, 200, 'her own id is fine');
      t.equal((await send(app, 'PATCH', '/articles/3', { data: { title: 'x' } }, ann)).status, 404, "Bob's draft: she cannot see it");
      t.equal((await send(app, 'PATCH', '/articles/3', { data: { title: 'B3' } }, bob)).status, 200, 'Bob may');
      t.equal((await send(app, 'DELETE', '/comments/1', undefined, ann)).status, 403, "Bob's comment");
      t.equal((await send(app, 'DELETE', '/comments/8', undefined, ann)).status, 404, 'her own comment on a draft she cannot see');
      t.equal((await send(app, 'DELETE', '/comments/5', undefined, ann)).status, 204, 'her own comment');
      t.equal((await send(app, 'DELETE', '/reactions/3', undefined, ann)).status, 403, "Bob's reaction");
      t.equal((await send(app, 'DELETE', '/reactions/1', undefined, ann)).status, 204, 'her own reaction');
      t.equal((await send(app, 'PATCH', '/articles/999', { data: { title: 'x' } }, ann)).status, 404);
    });

    t.test('authors: only their own record, never create or delete; categories and tags: admins only', async (t) => {
      t.equal((await send(app, 'PATCH', `/authors/${ANN}`, { data: { bio: 'new bio' } }, ann)).status, 200);
      t.equal((await send(app, 'PATCH', `/authors/${BOB}`, { data: { bio: 'x' } }, ann)).status, 403);
      t.equal((await send(app, 'POST', '/authors', { data: { name: 'Dan', email: 'dan@example.com' } }, ann)).status, 403);
      t.equal((await send(app, 'DELETE', `/authors/${ANN}`, undefined, ann)).status, 403);
      t.equal((await send(app, 'POST', '/tags', { data: { name: 'new' } }, ann)).status, 403);
      t.equal((await send(app, 'PATCH', '/categories/1', { data: { name: 'x' } }, ann)).status, 403);
      t.equal((await send(app, 'DELETE', '/tags/4', undefined, bob)).status, 403);
    });

    t.test('admins: everything, hidden rows included', async (t) => {
      t.equal((await send(app, 'POST', '/tags', { data: { name: 'admin-tag' } }, admin)).status, 201);
      t.equal((await send(app, 'POST', '/authors', { data: { name: 'Dan', email: 'dan@example.com' } }, admin)).status, 201);
      t.equal((await send(app, 'PATCH', '/articles/6', { data: { title: 'seen' } }, admin)).status, 200);
      t.equal((await send(app, 'POST', '/comments', { data: { articleId: 6, body: 'anon by admin' } }, admin)).status, 201);
      t.equal((await send(app, 'DELETE', '/categories/2', undefined, admin)).status, 204);
    });

    t.test('a refused write changes nothing', async (t) => {
      const before = await database.db.selectFrom('articles').select(['id', 'title', 'author_id']).orderBy('id').execute();
      await send(app, 'PATCH', '/articles/5', { data: { title: 'nope' } }, ann);
      await send(app, 'DELETE', '/articles/5', undefined, ann);
      t.same(await database.db.selectFrom('articles').select(['id', 'title', 'author_id']).orderBy('id').execute(), before);
    });
  });
});
