/**
 * API.md §6 as a property: random include trees (valid paths up to depth 4,
 * with presets), sparse fields, sort, filter, count and page walks, asked as
 * anonymous, as an author and as admin. Every object in every response is
 * checked against visibility computed independently with plain SQL.
 * Runs per database: LOOM_VISIBILITY_RUNS (default 25).
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { resources } from '../../src/routes/resources/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { ANN, BOB, CAT, insertVisibilityBlog } from './visibility.fixture.js';

const RUNS = Number(process.env.LOOM_VISIBILITY_RUNS ?? 25);
const MAX_DEPTH = 4;
const MAX_PAGES = 8;

type Tree = { [relation: string]: { preset?: string; children: Tree } };
type Principal = { name: string; authorId?: number; admin: boolean; token?: string };

interface Oracle {
  visible: Record<'articles' | 'comments' | 'reactions', Set<number>>;
  reactionTarget: Map<number, { type: string; id: number }>;
}

async function oracleFor(db: Kysely<any>, principal: Principal): Promise<Oracle> {
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows as any[];
  const own = principal.authorId ?? -1;
  const all = principal.admin;
  const articles = new Set((await rows(sql`select id from articles where ${all} or is_published or author_id = ${own}`)).map((r) => Number(r.id)));
  const comments = new Set(
    (await rows(sql`select c.id from comments c join articles a on a.id = c.article_id where ${all} or a.is_published or a.author_id = ${own}`)).map((r) => Number(r.id)),
  );
  const reactionTarget = new Map<number, { type: string; id: number }>();
  const reactions = new Set<number>();
  for (const r of await rows(sql`select id, target_type, target_id from reactions`)) {
    const target = { type: String(r.target_type), id: Number(r.target_id) };
    reactionTarget.set(Number(r.id), target);
    const seen = target.type === 'article' ? articles.has(target.id) : target.type === 'comment' ? comments.has(target.id) : false;
    if (all || seen) reactions.add(Number(r.id));
  }
  return { visible: { articles, comments, reactions }, reactionTarget };
}

const FILTER_VALUES: Record<string, readonly string[]> = {
  isPublished: ['true', 'false'], authorId: ['1', '2', '3'], categoryId: ['1', '2'], articleId: ['1', '3', '6'],
  active: ['true', 'false'], targetType: ['article', 'comment'], kind: ['like', 'love'], slug: ['tech', 'life'],
};

function treeArbitrary(resource: string, depth: number): fc.Arbitrary<Tree> {
  if (depth === 0) return fc.constant({});
  const shape = resources.get(resource)!;
  const parts: Record<string, fc.Arbitrary<Tree[string] | null>> = {};
  for (const relation of Object.values(shape.relations)) {
    const target = relation.targets[0]!;
    const children = relation.targets.length > 1 ? fc.constant({}) : treeArbitrary(target, depth - 1);
    const presets = relation.many ? resources.get(target)!.presets.map((p) => p.example) : [];
    const node = fc.record({ preset: fc.constantFrom<string | undefined>(undefined, ...presets), children });
    parts[relation.name] = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: node });
  }
  return fc.record(parts).map((record) => {
    const tree: Tree = {};
    for (const [name, node] of Object.entries(record)) if (node) tree[name] = { ...(node.preset ? { preset: node.preset } : {}), children: node.children };
    return tree;
  });
}

function includePaths(tree: Tree, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [name, node] of Object.entries(tree)) {
    const here = `${prefix}${name}${node.preset ? `:${node.preset}` : ''}`;
    const below = includePaths(node.children, `${here}.`);
    paths.push(...(below.length ? below : [here]));
  }
  return paths;
}

const requestArbitrary = fc.constantFrom(...resources.keys()).chain((name) => {
  const shape = resources.get(name)!;
  const scalars = Object.keys(shape.fields).filter((f) => f !== 'email');
  const sorts = ['id', '-id', ...scalars.filter((f) => f === 'createdAt' || f === 'name' || f === 'title').flatMap((f) => [f, `-${f}`])];
  const filters = shape.filters.filter((f) => FILTER_VALUES[f]);
  const toMany = Object.values(shape.relations).filter((r) => r.many).map((r) => r.name);
  return fc.record({
    resource: fc.constant(name),
    tree: treeArbitrary(name, MAX_DEPTH),
    fields: fc.option(fc.subarray([...Object.keys(shape.fields)], { minLength: 1 }), { nil: undefined }),
    authorFields: fc.option(fc.constantFrom('name', 'email', 'name,email'), { nil: undefined }),
    sort: fc.option(fc.constantFrom(...sorts), { nil: undefined }),
    filter: filters.length ? fc.option(fc.constantFrom(...filters).chain((f) => fc.tuple(fc.constant(f), fc.constantFrom(...FILTER_VALUES[f]!))), { nil: undefined }) : fc.constant(undefined),
    count: toMany.length ? fc.option(fc.subarray(toMany, { minLength: 1 }), { nil: undefined }) : fc.constant(undefined),
    size: fc.integer({ min: 1, max: 4 }),
    author: fc.constantFrom(ANN, BOB, CAT),
  });
});

function urlOf(request: fc.Arbitrary<any> extends fc.Arbitrary<infer R> ? R : never): string {
  const params = new URLSearchParams();
  const include = includePaths(request.tree);
  if (include.length) params.set('include', include.join(','));
  if (request.fields) params.set(`fields[${request.resource}]`, request.fields.join(','));
  if (request.authorFields && request.resource !== 'authors') params.set('fields[authors]', request.authorFields);
  if (request.sort) params.set('sort', request.sort);
  if (request.filter) params.set(`filter[${request.filter[0]}]`, request.filter[1]);
  if (request.count) params.set('count', request.count.join(','));
  params.set('page[size]', String(request.size));
  return `/${request.resource}?${params.toString()}`;
}

t.test('visibility property: every object of every random response is visible to its principal', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await insertVisibilityBlog(database.db);
    const app: FastifyInstance = await buildApp({ database });
    t.teardown(() => app.close());
    const adminToken = (await issueToken(database.db, null)).token;
    const authorTokens = new Map<number, string>();
    for (const id of [ANN, BOB, CAT]) authorTokens.set(id, (await issueToken(database.db, id)).token);
    const oracles = new Map<string, Oracle>();
    const oracle = async (p: Principal) => {
      if (!oracles.has(p.name)) oracles.set(p.name, await oracleFor(database.db, p));
      return oracles.get(p.name)!;
    };

    /** Walks one page; returns the problems and the include paths (with generic target types) that had parents. */
    const check = (p: Principal, o: Oracle, resource: string, tree: Tree, rows: any[], path: string, problems: string[], nonEmpty: Set<string>) => {
      if (rows.length) nonEmpty.add(path || '.');
      for (const row of rows) {
        if (row === null) continue;
        const where = `${path || resource}#${row.id}`;
        const visible = (o.visible as Record<string, Set<number>>)[resource];
        if (visible && !visible.has(row.id)) problems.push(`${where}: ${resource} ${row.id} is not visible to ${p.name}`);
        if (resource === 'authors' && 'email' in row && !p.admin && row.id !== p.authorId) problems.push(`${where}: email of author ${row.id} shown to ${p.name}`);
        for (const [name, node] of Object.entries(tree)) {
          const relation = resources.get(resource)!.relations[name]!;
          const value = row[name];
          const childPath = path ? `${path}.${name}` : name;
          if (relation.targets.length > 1) {
            const target = o.reactionTarget.get(row.id);
            if (!target) { problems.push(`${where}: unknown reaction`); continue; }
            const type = target.type === 'article' ? 'articles' : 'comments';
            // One query per target type among the parents (API.md §2), whether or not the target
            // still exists: a reaction on a deleted comment costs the comments query and renders null.
            nonEmpty.add(`${childPath}:${type}`);
            if (value === undefined || value === null) continue;
            if (value.id !== target.id) problems.push(`${where}: target ${value.id} is not ${target.type} ${target.id}`);
            check(p, o, type, node.children, [value], `${childPath}:${type}`, problems, new Set());
            continue;
          }
          if (value === undefined) { problems.push(`${where}: included ${name} missing`); continue; }
          const children = Array.isArray(value) ? value : [value];
          check(p, o, relation.targets[0]!, node.children, children, childPath, problems, nonEmpty);
        }
      }
    };

    const ask = async (p: Principal, url: string) => {
      const response = await app.inject({ url, headers: p.token ? { authorization: `Bearer ${p.token}` } : {} });
      const queries = Number(/desc="(\d+) queries"/.exec(String(response.headers['server-timing']))?.[1]);
      return { status: response.statusCode, body: response.json(), queries };
    };

    let checked = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async (request) => {
        const principals: Principal[] = [
          { name: 'anonymous', admin: false },
          { name: `author ${request.author}`, authorId: request.author, admin: false, token: authorTokens.get(request.author) },
          { name: 'admin', admin: true, token: adminToken },
        ];
        const first = urlOf(request);
        const walks = await Promise.all(principals.map(async (p) => {
          const o = await oracle(p);
          const pages: { url: string; queries: number; nonEmpty: string }[] = [];
          let url: string | null = first;
          while (url && pages.length < MAX_PAGES) {
            const response = await ask(p, url);
            if (response.status !== 200) throw new Error(`${url} as ${p.name}: ${response.status} ${JSON.stringify(response.body)}`);
            const problems: string[] = [];
            const nonEmpty = new Set<string>();
            check(p, o, request.resource, request.tree, response.body.data, '', problems, nonEmpty);
            if (problems.length) throw new Error(`${url} as ${p.name}:\n${problems.join('\n')}`);
            checked += response.body.data.length;
            pages.push({ url, queries: response.queries, nonEmpty: [...nonEmpty].sort().join(' ') });
            url = response.body.links?.next ?? null;
          }
          return pages;
        }));
        // Same request, same page position: same query count when the same nodes had parents.
        for (let page = 0; page < Math.min(...walks.map((w) => w.length)); page++) {
          const at = walks.map((w) => w[page]!);
          if (new Set(at.map((x) => x.nonEmpty)).size !== 1) continue;
          if (new Set(at.map((x) => x.queries)).size !== 1) {
            throw new Error(`query counts differ on page ${page + 1} of ${first}: ${principals.map((p, i) => `${p.name} ${at[i]!.queries}`).join(', ')}`);
          }
        }
      }),
      { numRuns: RUNS },
    );
    t.ok(checked > 0, `${checked} objects checked`);
  });
});
