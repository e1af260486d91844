/**
 * `POST /{resource}`, `PATCH /{resource}/{id}`, `DELETE /{resource}/{id}`
 * (API.md §5). A handler parses (query, body: 400 / 415 / 422), runs the
 * write's steps in one transaction (write-operations.ts) and hands the
 * outcome to `finishWrite`, the one place a write's response is made.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuthenticated } from '../plugins/auth.js';
import { z } from 'zod';
import { emptyResponse, jsonResponse, problemResponses } from '../openapi/responses.js';
import type { ResponseLimits } from '../serializers/response-budget.js';
import type { InputSchemas } from '../serializers/input-schemas.js';
import { componentName, type ResourceSchemas } from '../serializers/resource-schemas.js';
import { singleSchema } from '../serializers/response-schemas.js';
import { detailQuerySchema, IdParams } from './query-schemas.js';
import { parseDetailRequest, parseId } from './request-parser.js';
import type { Resource } from './resources/index.js';
import { claimKey, completeKey, idempotencyClaim, releaseKey } from './idempotency.js';
import { parseWriteBody } from './write-body.js';
import { createObject, deleteObject, updateObject, type WriteContext, type WriteOutcome } from './write-operations.js';
import { writeTransaction } from './write-transaction.js';
import type { Session } from '../orm/index.js';

type Resources = ReadonlyMap<string, Resource>;


/** `Prefer: return=minimal` (RFC 7240): answer 204 without a body. */
function prefersMinimal(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer;
  return (Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '')).split(/[,;]/).some((token) => token.trim().toLowerCase() === 'return=minimal');
}

/**
 * Sends a write's outcome (after its transaction committed): status,
 * Location, ETag, Idempotent-Replayed, Loom-Consistency (API.md §9: every 2xx
 * write response, replays included), body.
 */
export async function finishWrite(reply: FastifyReply, outcome: WriteOutcome): Promise<FastifyReply> {
  await reply.stampConsistency();
  reply.code(outcome.status);
  if (outcome.location) reply.header('location', outcome.location);
  if (outcome.etag) reply.header('etag', outcome.etag);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return outcome.data === undefined ? reply.send() : reply.send({ data: outcome.data });
}

export function registerWriteRoutes(
  app: FastifyInstance,
  resources: Resources,
  schemas: ResourceSchemas,
  inputs: ReadonlyMap<string, InputSchemas>,
  options: { responseLimits: ResponseLimits },
): void {
  /** Runs a POST, once per Idempotency-Key when the request has one (idempotency.ts); each step a transaction of the request's session. */
  async function once(request: FastifyRequest, work: (session: Session) => Promise<WriteOutcome>): Promise<WriteOutcome> {
    const claim = idempotencyClaim(request);
    if (!claim) return writeTransaction(request, work);
    const kept = await writeTransaction(request, (session) => claimKey(session, claim));
    if (kept) return kept;
    try {
      return await writeTransaction(request, async (session) => {
        const outcome = await work(session);
        await completeKey(session, claim, outcome);
        return outcome;
      });
    } catch (error) {
      await writeTransaction(request, (session) => releaseKey(session, claim)).catch(() => undefined);
      throw error;
    }
  }
  app.register(async (scope) => {
    // Write bodies are JSON alone: any other media type is a 415 (Fastify's default also parses text/plain).
    scope.removeContentTypeParser('text/plain');
    // Writes need a token (API.md §6): anonymous is a 401 before the body is read.
    scope.addHook('onRequest', async (request) => {
      requireAuthenticated(request);
    });
    for (const resource of resources.values()) registerResource(scope, resource);
  });

  function context(request: FastifyRequest, resource: Resource, withBody: boolean) {
    const query = request.query as Record<string, unknown>;
    const response = parseDetailRequest(resource, query, resources);
    return (session: WriteContext['session']): WriteContext => ({
      session,
      request,
      resource,
      resources,
      response: withBody && !prefersMinimal(request) ? response : undefined,
      limits: options.responseLimits,
    });
  }

  function registerResource(scope: FastifyInstance, resource: Resource): void {
    const name = componentName(resource);
    const single = singleSchema(schemas.get(resource.name)!, `${name}Single`);
    const input = inputs.get(resource.name)!;
    const path = `/${resource.name}`;
    const tags = [resource.name];
    const querystring = detailQuerySchema(resource, resources);
    // A strong ETag only for the whole object (without include and fields, API.md §5); the consistency token on every 2xx (§9).
    const written = { headers: ['Loom-Consistency' as const], optionalHeaders: ['ETag' as const] };
    const created = { headers: ['Location' as const, 'Loom-Consistency' as const], optionalHeaders: ['ETag' as const, 'Idempotent-Replayed' as const] };

    scope.post(
      path,
      {
        schema: {
          operationId: `create${name}`,
          security: [{ bearerAuth: [] }],
          tags,
          summary: `Create one ${name.toLowerCase()}`,
          querystring,
          body: z.object({ data: input.create }),
          headers: z.object({
            'idempotency-key': z.string().min(1).max(255).optional().describe('Makes a retry safe: the first response is kept 24 h and replayed (Idempotent-Replayed: true) for the same key and request'),
            prefer: z.string().optional().describe('return=minimal: 204 with Location, no body'),
          }),
          response: {
            201: jsonResponse(single, `Created: the new ${name.toLowerCase()} as GET /${resource.name}/{id} shows it`, created),
            204: emptyResponse('Created (Prefer: return=minimal): no body', created),
            ...problemResponses(400, 403, 409, 413, 415, 422, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const make = context(request, resource, true);
        const body = parseWriteBody(request.body, resource, input, 'create');
        return finishWrite(reply, await once(request, (session) => createObject(make(session), body)));
      },
    );

    scope.patch(
      `${path}/:id`,
      {
        schema: {
          operationId: `update${name}`,
          security: [{ bearerAuth: [] }],
          tags,
          summary: `Change fields of one ${name.toLowerCase()}`,
          params: IdParams,
          querystring,
          body: z.object({ data: input.patch }),
          response: {
            200: jsonResponse(single, `The changed ${name.toLowerCase()}`, written),
            204: emptyResponse('Changed (Prefer: return=minimal): no body', written),
            ...problemResponses(400, 403, 404, 409, 412, 413, 415, 422, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const id = parseId(resource.name, (request.params as { id: string }).id);
        const make = context(request, resource, true);
        const body = parseWriteBody(request.body, resource, input, 'patch');
        return finishWrite(reply, await writeTransaction(request, (session) => updateObject(make(session), id, body)));
      },
    );

    scope.delete(
      `${path}/:id`,
      {
        schema: {
          operationId: `delete${name}`,
          security: [{ bearerAuth: [] }],
          tags,
          summary: `Delete one ${name.toLowerCase()} with what cascades from it`,
          params: IdParams,
          response: {
            204: emptyResponse('Deleted, with what cascades from it', { headers: ['Loom-Consistency'] }),
            ...problemResponses(400, 403, 404, 412, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const id = parseId(resource.name, (request.params as { id: string }).id);
        const make = context(request, resource, false);
        return finishWrite(reply, await writeTransaction(request, (session) => deleteObject(make(session), id)));
      },
    );
  }
}
