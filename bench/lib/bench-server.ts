import Fastify, { type FastifyInstance } from 'fastify';
import { SCENARIOS, type ResourceName } from './scenarios.js';
import { withQueryCount } from './query-counter.js';

/** One page of a resource as a bench implementation loads it. */
export interface LoadedPage {
  data: object[];
  /** The last item's id when another page follows, else null. */
  nextAfterId: number | null;
}

/** Loads the first page of `resource?include=<include>` for one page size. */
export type PageLoader = (pageSize: number) => Promise<LoadedPage>;

/** Per scenario include string, the loader of each resource. */
export type ScenarioLoaders = Record<ResourceName, Record<string, PageLoader>>;

export interface BenchServerOptions {
  name: string;
  loaders: ScenarioLoaders;
  close(): Promise<void>;
}

/**
 * The HTTP face every non-loom implementation shares: the scenarios' routes
 * with the service's response envelope, `x-query-count` per response, and a
 * `listening <port>` line on stdout for bench/run.ts. It answers only the
 * benchmark's includes (anything else is a 400); it is not a second service.
 */
export function buildBenchServer(options: BenchServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  for (const resource of new Set(SCENARIOS.map((s) => s.resource))) {
    app.get(`/${resource}`, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const include = query.include ?? '';
      const pageSize = query['page[size]'] === undefined ? 20 : Number(query['page[size]']);
      const loader = options.loaders[resource][include];
      if (!loader) return problem(reply, `include '${include}' is not a benchmark scenario`);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return problem(reply, 'page[size] must be 1..100');
      const { result, queries } = await withQueryCount(() => loader(pageSize));
      reply.header('x-query-count', String(queries));
      return { data: result.data, links: { next: nextLink(resource, include, pageSize, result.nextAfterId) } };
    });
  }
  app.addHook('onClose', () => options.close());
  return app;
}

function problem(reply: import('fastify').FastifyReply, detail: string) {
  return reply.code(400).type('application/problem+json').send({ type: 'about:blank', title: 'Bad Request', status: 400, detail });
}

function nextLink(resource: string, include: string, pageSize: number, afterId: number | null): string | null {
  if (afterId === null) return null;
  const cursor = Buffer.from(JSON.stringify({ id: afterId })).toString('base64url');
  return `/${resource}?include=${encodeURIComponent(include)}&page%5Bsize%5D=${pageSize}&page%5Bafter%5D=${cursor}`;
}

/** Splits a `limit pageSize + 1` result into the page and its next cursor. */
export function toPage<T extends { id: number }>(rows: T[], pageSize: number): { items: T[]; nextAfterId: number | null } {
  const items = rows.length > pageSize ? rows.slice(0, pageSize) : rows;
  return { items, nextAfterId: rows.length > pageSize ? items[items.length - 1].id : null };
}

/** Starts a bench server on 127.0.0.1 (PORT, default a free one) and announces the port on stdout. */
export async function listenBenchServer(app: FastifyInstance): Promise<void> {
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`listening ${port}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The database URL every bench server reads. */
export function benchDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required (bench/run.ts sets it)');
  return url;
}
