/**
 * The HTTP layers ask a relation what it can do (to-one or a list, JOINed or
 * loaded by a query of its own, one target or several) and never which kind
 * it is. Checked two ways:
 * - the capabilities each ORM kind declares, as the resources see them;
 * - a relation kind none of the layers has seen, declared here in a few
 *   lines: a foreign key loaded by a query of its own instead of a JOIN
 *   (`comment.post`, the comment's article). With no edit elsewhere, include,
 *   nesting below it, counts through it, the converter, the response schema
 *   and the include docs all follow from its capabilities, on the blog
 *   fixture on both databases (every response also checked against the
 *   OpenAPI document by test/helpers/response-contract.ts).
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { issueToken } from '../../src/auth/tokens.js';
import { Article, Comment } from '../../src/models/index.js';
import { ForwardFk } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

/** The new kind: everything of a forward FK but how it is loaded. */
class QueriedFk extends ForwardFk {
  override readonly joinable = false;
}
Comment.relate({ post: (source, name) => new QueriedFk(source, name, Article, 'articleId') });

// Imported after the relation exists: the resources, schemas and docs are built from the models once, at import.
const { buildApp } = await import('../../src/app.js');
const { resources } = await import('../../src/routes/resources/index.js');

t.test('each ORM kind declares its capabilities; the resources carry them', async (t) => {
  const relation = (resource: string, name: string) => resources.get(resource)!.relations[name];
  t.same(relation('articles', 'author'), { name: 'author', many: false, joinable: true, nullable: false, targets: ['authors'] }, 'forward FK');
  t.same(relation('articles', 'category'), { name: 'category', many: false, joinable: true, nullable: true, targets: ['categories'] }, 'nullable forward FK');
  t.same(relation('articles', 'comments'), { name: 'comments', many: true, joinable: false, nullable: false, targets: ['comments'] }, 'reverse FK');
  t.same(relation('articles', 'tags'), { name: 'tags', many: true, joinable: false, nullable: false, targets: ['tags'] }, 'many-to-many');
  t.same(relation('articles', 'reactions'), { name: 'reactions', many: true, joinable: false, nullable: false, targets: ['reactions'] }, 'generic relation');
  t.same(
    relation('reactions', 'target'),
    { name: 'target', many: false, joinable: false, nullable: true, targets: ['articles', 'comments'] },
    'generic foreign key: polymorphic',
  );
  t.same(relation('comments', 'post'), { name: 'post', many: false, joinable: false, nullable: false, targets: ['articles'] }, 'the new kind');
});

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  const authorization = `Bearer ${(await issueToken(database.db, null)).token}`;
  const app: FastifyInstance = await buildApp({ database });
  t.teardown(() => app.close());
  const get = async (url: string) => {
    const response = await app.inject({ url, headers: { authorization } });
    const queries = Number(/desc="(\d+) queries"/.exec(String(response.headers['server-timing']))?.[1]);
    return { status: response.statusCode, body: response.json(), queries };
  };

  t.test('included by a query of its own (a Prefetch, not a JOIN), with what is nested below it', async (t) => {
    const joined = await get('/comments?include=article.author&fields[articles]=title,authorId&sort=id');
    const queried = await get('/comments?include=post.author&fields[articles]=title,authorId&sort=id');
    t.equal(joined.status, 200);
    t.equal(queried.status, 200);
    t.ok(queried.body.data.length > 0);
    t.same(
      queried.body.data.map((comment: any) => comment.post),
      joined.body.data.map((comment: any) => comment.article),
      'the same articles, with their authors, as the JOINed relation gives',
    );
    t.equal(joined.queries, 1, 'the forward FK is JOINed');
    t.equal(queried.queries, 2, 'the new kind costs one query of its own, the author JOINed inside it');
  });

  t.test('counts through it; a count or a preset on it is refused as on any to-one relation', async (t) => {
    const counted = await get('/comments?include=post&count=post.comments&sort=id');
    t.equal(counted.status, 200);
    const perArticle = await get('/articles?count=comments');
    const expected = new Map(perArticle.body.data.map((article: any) => [article.id, article.counts.comments]));
    for (const comment of counted.body.data) t.equal(comment.post.counts.comments, expected.get(comment.post.id), `comment ${comment.id}`);
    t.equal(counted.queries, 2, 'the count rides in the query that loads the articles');

    const count = await get('/comments?count=post');
    t.equal(count.status, 400);
    t.match(count.body.detail, /'post' is a to-one relation of comments; a count names a to-many relation: reactions/);
    const preset = await get('/comments?include=post:published');
    t.equal(preset.status, 400);
    t.match(preset.body.detail, /'comments\.post' is a to-one relation and takes no preset/);
  });

  t.test('the response schema and the include docs follow from its capabilities', async (t) => {
    const document = (await app.inject('/docs/json')).json();
    t.same(document.components.schemas.Comment.properties.post, { $ref: '#/components/schemas/Article' }, 'one Article, not a list, not nullable');
    const include = document.paths['/comments'].get.parameters.find((p: any) => p.name === 'include');
    t.match(include.description, /- `post`: to-one → articles \(one extra query\) — below it: `author`/);
    t.match(include.description, /- `article`: to-one → articles \(JOIN\)/);
  });
});
