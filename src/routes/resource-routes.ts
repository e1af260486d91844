/**
 * `GET /{resource}` and `GET /{resource}/{id}` for every declared resource.
 * Handlers are a few lines: parse → load through the request's session → envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problems } from '../errors.js';
import type { Session } from '../orm/index.js';
import { componentName, type ResourceSchemas } from '../serializers/resource-schemas.js';
import { jsonResponse, problemResponses } from '../openapi/responses.js';
import { pageSchema, singleSchema } from '../serializers/response-schemas.js';
import { strongEtag } from './etag.js';
import type { ResponseLimits } from '../serializers/response-budget.js';
import { loadOne, loadPage, wholeObject } from './load-resources.js';
import { detailQuerySchema, IdParams, listQuerySchema, readHeadersSchema } from './query-schemas.js';
import { parseDetailRequest, parseId, parseListRequest } from './request-parser.js';
import type { Resource } from './resources/index.js';

type Resources = ReadonlyMap<string, Resource>;

/** What a read can answer besides 200 (API.md §4, §6): bad parameters or over budget, a bad token, a private field filtered (lists), unknown id, the unexpected, no database. */
const listErrors = problemResponses(400, 401, 403, 500, 503);
const detailErrors = problemResponses(400, 401, 404, 500, 503);

/** `articles` → `Articles`: operation ids are client method names (`listArticles`, `getArticle`). */
const pascal = (name: string) => name[0].toUpperCase() + name.slice(1);

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
  /** Most objects and bytes one response may render (past either: 400). */
  responseLimits: ResponseLimits;
}

export function registerResourceRoutes(app: FastifyInstance, resources: Resources, schemas: ResourceSchemas, options: ResourceRouteOptions): void {
  // A read goes through the request's session, on the database the read router chooses
  // (API.md §9): the replica when it may serve the consistency token, else the primary;
  // a replica failure runs it again on the primary.
  const read = <T>(request: FastifyRequest, load: (session: Session) => Promise<T>) =>
    app.reads.read(request.consistency, async (database) => {
      await request.session.switchTo(database);
      return load(request.session);
    });
  for (const resource of resources.values()) {
    const name = componentName(resource);
    const item = schemas.get(resource.name)!;
    const path = `/${resource.name}`;

    app.get(
      path,
      {
        schema: {
          operationId: `list${pascal(resource.name)}`,
          tags: [resource.name],
          summary: `List ${resource.name}`,
          description: resource.description,
          querystring: listQuerySchema(resource, resources),
          headers: readHeadersSchema,
          response: { 200: jsonResponse(pageSchema(item, `${name}Page`), `A page of ${resource.name}; links.next continues it`), ...listErrors },
        },
      },
      async (request) => {
        const parsed = parseListRequest(resource, request.query as Record<string, unknown>, resources);
        const page = await read(request, (session) => loadPage(session, resource, parsed, resources, request.principal, options.responseLimits));
        return { data: page.data, links: { next: nextLink(request, path, page.nextCursor) } };
      },
    );

    app.get(
      `${path}/:id`,
      {
        schema: {
          operationId: `get${name}`,
          tags: [resource.name],
          summary: `One ${name.toLowerCase()} by id`,
          params: IdParams,
          querystring: detailQuerySchema(resource, resources),
          headers: readHeadersSchema,
          response: { 200: jsonResponse(singleSchema(item, `${name}Single`), `The ${name.toLowerCase()}`), ...detailErrors },
        },
      },
      async (request, reply) => {
        const raw = (request.params as { id: string }).id;
        const id = parseId(resource.name, raw);
        const parsed = parseDetailRequest(resource, request.query as Record<string, unknown>, resources);
        const version = wholeObject(parsed);
        const loaded =
          id === null
            ? undefined
            : await read(request, (session) => loadOne(session, resource, id, parsed, resources, request.principal, { version, limits: options.responseLimits }));
        if (!loaded) throw problems.notFound(resource.name, raw);
        if (loaded.version !== undefined) reply.header('etag', strongEtag(loaded.version, request.principal));
        return { data: loaded.data };
      },
    );
  }
}
