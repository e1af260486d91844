/**
 * `tsx bench/skew/slice-forms.ts [out.md]` (DATABASE_URL: a `--skew` seeded database):
 * EXPLAIN ANALYZE of each per-parent slice the API runs, compiled both ways
 * (LATERAL top-k and ROW_NUMBER() window), on hot and on ordinary parents, so
 * the compiler's rule (per-parent-slice.ts) rests on measured plans.
 */
import { writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { Article, Author, Tag } from '../../src/models/index.js';
import type { Model } from '../../src/orm/index.js';
import { toFilterNode, type FilterInput } from '../../src/orm/q.js';
import type { SliceForm } from '../../src/orm/sql/per-parent-slice.js';
import { compileSelect } from '../../src/orm/sql/select.js';

interface SliceCase {
  name: string;
  model: Model<any, any>;
  relation: string;
  keys: (db: Kysely<any>) => Promise<number[]>;
  ordering: string[];
  high: number;
  filters?: FilterInput[];
}

const ids = (query: string) => async (db: Kysely<any>) => (await sql.raw<{ id: string }>(query).execute(db)).rows.map((r) => Number(r.id));

export const SLICE_CASES: SliceCase[] = [
  { name: 'hot author (50,000 articles): articles:recent5', model: Author, relation: 'articles', keys: ids('select 1 as id'), ordering: ['-pubDate', '-id'], high: 5, filters: [{ isPublished: true }] },
  { name: 'hot article (20,000 comments): comments:recent5', model: Article, relation: 'comments', keys: ids('select 1 as id'), ordering: ['-createdAt', '-id'], high: 5 },
  { name: 'authors?sort=-id page of 50: articles:recent5', model: Author, relation: 'articles', keys: ids('select id from authors order by id desc limit 50'), ordering: ['-pubDate', '-id'], high: 5, filters: [{ isPublished: true }] },
  { name: 'articles page of 50: comments:recent5', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 50'), ordering: ['-createdAt', '-id'], high: 5 },
  { name: 'hot author\'s 5 newest articles: comments:recent5', model: Article, relation: 'comments', keys: ids("select id from articles where author_id = 1 and is_published order by pub_date desc nulls last, id desc limit 5"), ordering: ['-createdAt', '-id'], high: 5 },
  { name: 'hot tag (30,000 articles): articles:recent5', model: Tag, relation: 'articles', keys: ids('select 1 as id'), ordering: ['-pubDate', '-id'], high: 5, filters: [{ isPublished: true }] },
  { name: '1,000 articles: comments:recent5', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 1000'), ordering: ['-createdAt', '-id'], high: 5 },
  { name: '5,000 articles: comments:recent5', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 5000'), ordering: ['-createdAt', '-id'], high: 5 },
  { name: '5,000 articles: 5 comments by authorId (no index in that order)', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 5000'), ordering: ['authorId'], high: 5 },
  { name: '20,000 articles: 5 comments by authorId (no index in that order)', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 20000'), ordering: ['authorId'], high: 5 },
  { name: '20,000 articles: comments:recent5', model: Article, relation: 'comments', keys: ids('select id from articles order by id limit 20000'), ordering: ['-createdAt', '-id'], high: 5 },
];

async function explain(db: Kysely<any>, c: SliceCase, keys: number[], form: SliceForm): Promise<{ ms: number; plan: string }> {
  const relation = c.model.meta.relations[c.relation];
  const { query } = compileSelect({
    model: relation.target!, filters: (c.filters ?? []).map(toFilterNode), ordering: c.ordering, low: 0, high: c.high,
    only: undefined, defer: [], selectRelated: [], annotations: [], restriction: relation.restriction(keys), sliceForm: form,
  });
  const compiled = query.compile(db);
  const explainQuery = { ...compiled, sql: `explain (analyze, buffers, costs off) ${compiled.sql}` };
  let best = Infinity;
  let plan = '';
  for (let i = 0; i < 3; i++) {
    const rows = (await db.executeQuery<{ 'QUERY PLAN': string }>(explainQuery as any)).rows.map((r) => r['QUERY PLAN']);
    const planning = Number(/Planning Time: ([\d.]+)/.exec(rows.join('\n'))?.[1] ?? 0);
    const execution = Number(/Execution Time: ([\d.]+)/.exec(rows.join('\n'))?.[1] ?? 0);
    if (planning + execution < best) {
      best = planning + execution;
      plan = rows.join('\n');
    }
  }
  return { ms: best, plan };
}

async function main(): Promise<void> {
  const database = await createDatabase({ url: process.env.DATABASE_URL });
  const lines = ['| slice | LATERAL ms | window ms | window / LATERAL |', '|---|---:|---:|---:|'];
  const plans: string[] = [];
  try {
    for (const c of SLICE_CASES) {
      const keys = await c.keys(database.db);
      const lateral = await explain(database.db, c, keys, 'lateral');
      const window = await explain(database.db, c, keys, 'window');
      lines.push(`| ${c.name} | ${lateral.ms.toFixed(2)} | ${window.ms.toFixed(2)} | ${(window.ms / lateral.ms).toFixed(1)}× |`);
      plans.push(`### ${c.name}\n\nLATERAL:\n\n\`\`\`\n${lateral.plan}\n\`\`\`\n\nwindow:\n\n\`\`\`\n${window.plan}\n\`\`\`\n`);
    }
  } finally {
    await database.close();
  }
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  const out = process.argv[2];
  if (out) writeFileSync(out, `# Per-parent slices: LATERAL vs window (best of 3 EXPLAIN ANALYZE, planning + execution)\n\n${table}\n\n${plans.join('\n')}`);
}

await main();
