/**
 * Model-based property test of the write API (fast-check commands): random
 * sequences of creates, updates and deletes of tags, articles (with their
 * tag sets, tagIds) and comments, over HTTP, each checked against a plain
 * in-memory model of the tables; after every step the API lists exactly
 * what the model holds (nothing lost, nothing extra), cascades included
 * (deleting an article deletes its comments and its links; deleting a tag
 * unlinks it). Both databases.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { eachDatabase } from '../helpers/databases.js';
import { send, sendAsAdmin } from '../helpers/writes.js';

interface ArticleModel { title: string; authorId: number; tagIds: Set<number> }
interface World {
  tags: Map<number, string>;
  articles: Map<number, ArticleModel>;
  comments: Map<number, { articleId: number; body: string }>;
}
interface Real { app: FastifyInstance }

const RUNS = Number(process.env.PROPERTY_RUNS ?? 12);
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
t.comment(`fast-check seed ${SEED} (PROPERTY_SEED=${SEED} replays it)`);
const AUTHORS = [1, 2];

/** Picks an existing key by a generated index, or a missing one when there is none. */
const pick = (keys: Iterable<number>, index: number): number => {
  const list = [...keys];
  return list.length ? list[index % list.length] : 999_999;
};

/** Reads ask as the admin the writes are sent as: every row is visible (API.md §6). */
let authorization = '';

async function everything(app: FastifyInstance, resource: string, include = ''): Promise<any[]> {
  const rows: any[] = [];
  let url: string | null = `/${resource}?page[size]=100${include}`;
  while (url) {
    const page: any = (await app.inject({ url, headers: { authorization } })).json();
    rows.push(...page.data);
    url = page.links.next;
  }
  return rows;
}

/** The API's view equals the model's. */
async function check(world: World, app: FastifyInstance): Promise<void> {
  const tags = await everything(app, 'tags');
  const articles = await everything(app, 'articles', '&include=tags');
  const comments = await everything(app, 'comments');
  const same = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: API ${JSON.stringify(actual)} != model ${JSON.stringify(expected)}`);
  };
  same('tags', tags.map((tag) => [tag.id, tag.name]), [...world.tags].sort(([a], [b]) => a - b));
  same('articles', articles.map((a) => [a.id, a.title, a.authorId, a.tags.map((tag: any) => tag.id).sort((x: number, y: number) => x - y)]),
    [...world.articles].sort(([a], [b]) => a - b).map(([id, a]) => [id, a.title, a.authorId, [...a.tagIds].sort((x, y) => x - y)]));
  same('comments', comments.map((c) => [c.id, c.articleId, c.body]), [...world.comments].sort(([a], [b]) => a - b).map(([id, c]) => [id, c.articleId, c.body]));
}

type Command = fc.AsyncCommand<World, Real>;
const expectStatus = (actual: number, expected: number, what: string) => {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
};

class CreateTag implements Command {
  constructor(readonly name: string) {}
  check = () => true;
  async run(world: World, { app }: Real) {
    const taken = [...world.tags.values()].includes(this.name);
    const r = await send(app, 'POST', '/tags', { data: { name: this.name } });
    expectStatus(r.status, taken ? 409 : 201, `POST tag ${this.name}`);
    if (!taken) world.tags.set(r.body.data.id, this.name);
    await check(world, app);
  }
  toString = () => `CreateTag(${this.name})`;
}

class CreateArticle implements Command {
  constructor(readonly title: string, readonly author: number, readonly tagPicks: number[], readonly withMissingTag: boolean) {}
  check = () => true;
  async run(world: World, { app }: Real) {
    const tagIds = [...new Set(this.tagPicks.map((i) => pick(world.tags.keys(), i)))].filter((id) => world.tags.has(id));
    if (this.withMissingTag) tagIds.push(888_888);
    const r = await send(app, 'POST', '/articles', { data: { authorId: this.author, title: this.title, body: 'b', tagIds } });
    if (this.withMissingTag) {
      expectStatus(r.status, 422, 'POST article with a missing tag');
    } else {
      expectStatus(r.status, 201, 'POST article');
      world.articles.set(r.body.data.id, { title: this.title, authorId: this.author, tagIds: new Set(tagIds) });
    }
    await check(world, app);
  }
  toString = () => `CreateArticle(${this.title}, ${this.author}, [${this.tagPicks}], ${this.withMissingTag})`;
}

class PatchArticle implements Command {
  constructor(readonly index: number, readonly title: string | undefined, readonly tagPicks: number[] | undefined) {}
  check = (world: Readonly<World>) => world.articles.size > 0;
  async run(world: World, { app }: Real) {
    const id = pick(world.articles.keys(), this.index);
    const data: Record<string, unknown> = {};
    if (this.title !== undefined) data.title = this.title;
    const tagIds = this.tagPicks && [...new Set(this.tagPicks.map((i) => pick(world.tags.keys(), i)))].filter((t) => world.tags.has(t));
    if (tagIds) data.tagIds = tagIds;
    const r = await send(app, 'PATCH', `/articles/${id}`, { data });
    expectStatus(r.status, 200, `PATCH article ${id}`);
    const article = world.articles.get(id)!;
    if (this.title !== undefined) article.title = this.title;
    if (tagIds) article.tagIds = new Set(tagIds);
    await check(world, app);
  }
  toString = () => `PatchArticle(${this.index}, ${this.title}, ${this.tagPicks})`;
}

class CreateComment implements Command {
  constructor(readonly index: number, readonly body: string) {}
  check = () => true;
  async run(world: World, { app }: Real) {
    const articleId = pick(world.articles.keys(), this.index);
    const r = await send(app, 'POST', '/comments', { data: { articleId, body: this.body } });
    expectStatus(r.status, world.articles.has(articleId) ? 201 : 422, 'POST comment');
    if (r.status === 201) world.comments.set(r.body.data.id, { articleId, body: this.body });
    await check(world, app);
  }
  toString = () => `CreateComment(${this.index}, ${this.body})`;
}

class Delete implements Command {
  constructor(readonly resource: 'articles' | 'tags' | 'comments', readonly index: number) {}
  check = () => true;
  async run(world: World, { app }: Real) {
    const table = this.resource === 'articles' ? world.articles : this.resource === 'tags' ? world.tags : world.comments;
    const id = pick(table.keys(), this.index);
    const r = await send(app, 'DELETE', `/${this.resource}/${id}`);
    expectStatus(r.status, table.has(id) ? 204 : 404, `DELETE ${this.resource} ${id}`);
    table.delete(id);
    if (this.resource === 'articles') for (const [cid, c] of world.comments) if (c.articleId === id) world.comments.delete(cid);
    if (this.resource === 'tags') for (const article of world.articles.values()) article.tagIds.delete(id);
    await check(world, app);
  }
  toString = () => `Delete(${this.resource}, ${this.index})`;
}

const name = fc.constantFrom('orm', 'sql', 'kysely', 'pg', 'web', 'db', "o'brien", 'ünï');
const picks = fc.array(fc.nat(20), { maxLength: 4 });
const commands = [
  name.map((n) => new CreateTag(n)),
  fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom(...AUTHORS), picks, fc.boolean()).map(([title, a, p, missing]) => new CreateArticle(title, a, p, missing)),
  fc.tuple(fc.nat(20), fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }), fc.option(picks, { nil: undefined })).map(([i, title, p]) => new PatchArticle(i, title, p)),
  fc.tuple(fc.nat(20), fc.string({ maxLength: 10 })).map(([i, body]) => new CreateComment(i, body)),
  fc.tuple(fc.constantFrom('articles' as const, 'tags' as const, 'comments' as const), fc.nat(20)).map(([r, i]) => new Delete(r, i)),
];

await eachDatabase(t, async (t, database) => {
  const { db } = database;
  const app = await buildApp({ database });
  authorization = `Bearer ${(await sendAsAdmin(app, database.db)).token}`;
  t.teardown(() => app.close());
  for (const id of AUTHORS) await db.insertInto('authors').values({ id, name: `a${id}`, email: `a${id}@example.com` }).execute();

  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 15 }), async (sequence) => {
      await sql`truncate reactions, comments, article_tags, articles, tags`.execute(db);
      const world: World = { tags: new Map(), articles: new Map(), comments: new Map() };
      await fc.asyncModelRun(() => ({ model: world, real: { app } }), sequence);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  t.pass(`${RUNS} random sequences of writes matched the model`);
});
