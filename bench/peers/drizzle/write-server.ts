/**
 * The write scenario through Drizzle (bench/writes/run.ts), as a Drizzle user
 * writes it: a transaction with an insert returning the row, an insert of
 * the links, and a relational query for the answer (author and tags by
 * name in one statement).
 */
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { benchDatabaseUrl } from '../../lib/bench-server.js';
import { createBenchPool } from '../../lib/pool.js';
import { serveWrites } from '../../writes/write-server.js';
import * as schema from './schema.js';

const pool = createBenchPool(benchDatabaseUrl());
const db = drizzle({ client: pool, schema });
await serveWrites(pool, (data) =>
  db.transaction(async (tx) => {
    const [article] = await tx
      .insert(schema.articles)
      .values({ authorId: data.authorId, title: data.title, body: data.body, isPublished: data.isPublished, createdAt: sql`now()` })
      .returning({ id: schema.articles.id });
    await tx.insert(schema.articleTags).values(data.tagIds.map((tagId) => ({ articleId: article.id, tagId }))).onConflictDoNothing();
    const full = await tx.query.articles.findFirst({
      where: eq(schema.articles.id, article.id),
      with: {
        author: true,
        articleTags: { columns: {}, with: { tag: true }, orderBy: (at, { asc }) => [sql`(select t.name from tags t where t.id = ${at.tagId})`, asc(at.tagId)] },
      },
    });
    const { articleTags, ...rest } = full!;
    return { ...rest, tags: articleTags.map((link) => link.tag) };
  }),
);
