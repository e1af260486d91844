/**
 * `GET /{resource}` and `GET /{resource}/{id}` for every declared resource.
 * Handlers are a few lines: parse → load in one snapshot → envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { problems } from '../errors.js';
import { bindDatabaseScope, RowBudget } from '../orm/index.js';
import { componentName, type ResourceSchemas } from '../serializers/resource-schemas.js';
import { pageSchema, ProblemSchema, singleSchema } from '../serializers/response-schemas.js';
import { explainRequest } from '../plugins/query-plans.js';
import { strongEtag } from './etag.js';
import { loadOne, loadPage, wholeObject } from './load-resources.js';
import { detailQuerySchema, IdParams, listQuerySchema, readHeadersSchema } from './query-schemas.js';
import { parseDetailRequest, parseId, parseListRequest } from './request-parser.js';
import type { Resource } from './resources/index.js';

type Resources = ReadonlyMap<string, Resource>;

const errorResponses = { 400: ProblemSchema, 404: ProblemSchema, 500: ProblemSchema, 503: ProblemSchema };

/** `links.next`: this request's URL with `page[after]` replaced by the next cursor. */
function nextLink(request: FastifyRequest, path: string, cursor: string | null): string | null {
  if (cursor === null) return null;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query as Record<string, string>)) {
    if (name !== 'page[after]') query.set(name, value);
  }
  query.set('page[after]', cursor);
  return `${path}?${query.toString()}`;
}

export interface ResourceRouteOptions {
  /** Most rows one request may load across all its queries (past it: 400). */
  rowBudget: number;
}

export function registerResourceRoutes(app: FastifyInstance, resources: Resources, schemas: ResourceSchemas, options: ResourceRouteOptions): void {
  // The request's capture (Server-Timing) and row budget ride on its database handle.
  const read = <T>(request: FastifyRequest, load: (db: Kysely<any>) => Promise<T>) =>
    app.readSnapshot(async (db) => {
      bindDatabaseScope(db, { capture: request.queryCapture ?? undefined, budget: new RowBudget(options.rowBudget) });
      const result = await load(db);
      await explainRequest(request, db); // only when the client asked for plans (EXPLAIN_ENABLED)
      return result;
    }, request.consistency);
  for (const resource of resources.values()) {
    const name = componentName(resource);
    const item = schemas.get(resource.name)!;
    const path = `/${resource.name}`;

    app.get(
      path,
      {
        schema: {
          tags: ['resources'],
          summary: `List ${resource.name}`,
          description: resource.description,
          querystring: listQuerySchema(resource, resources),
          headers: readHeadersSchema,
          response: { 200: pageSchema(item, `${name}Page`), ...errorResponses },
        },
      },
      async (request) => {
        const parsed = parseListRequest(resource, request.query as Record<string, unknown>, resources);
        const page = await read(request, (db) => loadPage(db, resource, parsed, resources));
        return { data: page.data, links: { next: nextLink(request, path, page.nextCursor) } };
      },
    );

    app.get(
      `${path}/:id`,
      {
        schema: {
          tags: ['resources'],
          summary: `One ${name.toLowerCase()} by id`,
          params: IdParams,
          querystring: detailQuerySchema(resource, resources),
          headers: readHeadersSchema,
          response: { 200: singleSchema(item, `${name}Single`), ...errorResponses },
        },
      },
      async (request, reply) => {
        const raw = (request.params as { id: string }).id;
        const id = parseId(resource.name, raw);
        const parsed = parseDetailRequest(resource, request.query as Record<string, unknown>, resources);
        const version = wholeObject(parsed);
        const loaded = id === null ? undefined : await read(request, (db) => loadOne(db, resource, id, parsed, resources, { version }));
        if (!loaded) throw problems.notFound(resource.name, raw);
        if (loaded.version !== undefined) reply.header('etag', strongEtag(loaded.version, request.principal));
        return { data: loaded.data };
      },
    );
  }
}
