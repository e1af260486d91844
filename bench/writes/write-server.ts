/**
 * The HTTP face both non-loom write servers share (bench/writes/raw-server.ts,
 * bench/peers/drizzle/write-server.ts): `POST /articles` answering 201 with
 * Location, `{ data }` and `x-query-count`, and `GET /ready`. Each server
 * brings only how it writes the article and reads it back.
 */
import Fastify from 'fastify';
import type pg from 'pg';
import { listenBenchServer } from '../lib/bench-server.js';
import { withQueryCount } from '../lib/query-counter.js';

/** The request body's `data` of the write scenario. */
export interface ArticleInput {
  authorId: number;
  title: string;
  body: string;
  isPublished: boolean;
  tagIds: number[];
}

/** Serves the write scenario with `create` (one transaction: the article, its tags, the answer); closes `pool` on shutdown. */
export async function serveWrites(pool: pg.Pool, create: (data: ArticleInput) => Promise<{ id: number }>): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/articles', async (request, reply) => {
    const { data } = request.body as { data: ArticleInput };
    const { result, queries } = await withQueryCount(() => create(data));
    reply.header('x-query-count', String(queries));
    reply.header('location', `/articles/${result.id}`);
    return reply.code(201).send({ data: result });
  });
  app.get('/ready', async () => ({ ready: true }));
  app.addHook('onClose', () => pool.end());
  await listenBenchServer(app);
}
