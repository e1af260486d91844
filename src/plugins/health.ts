/**
 * Liveness (the process answers) and readiness (not shutting down, the
 * primary answers `select 1`). A replica that is down or lagging does not make
 * the service unready (reads go to the primary meanwhile, API.md §9); the body
 * says where reads go.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { problems } from '../errors.js';
import { sendProblem } from './error-handler.js';
import { jsonResponse, problemResponses } from '../openapi/responses.js';

const Status = z.object({ status: z.literal('ok') }).meta({ id: 'HealthStatus' });
const Readiness = z
  .object({
    status: z.literal('ok'),
    reads: z.enum(['primary', 'replica']).describe('Where reads go now: the replica, or the primary (no replica configured, or it is down or lagging)'),
    replica: z
      .object({
        state: z.enum(['starting', 'ok', 'lagging', 'unreachable']),
        lagMs: z.number().int().describe('Replay lag at the last check, in milliseconds'),
      })
      .optional()
      .describe('With DATABASE_READ_URL: the replica as last checked'),
  })
  .meta({ id: 'ReadinessStatus' });

export function registerHealth(app: FastifyInstance): void {
  app.get('/health/live', { schema: { operationId: 'getLiveness', tags: ['health'], summary: 'The process is up', response: { 200: jsonResponse(Status, 'The process answers') } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The database answers and the instance is not shutting down',
        response: { 200: jsonResponse(Readiness, 'Ready: the primary answers; the body says where reads go'), ...problemResponses(500, 503) },
      },
    },
    async (request, reply) => {
      // Fails first thing on SIGTERM, so balancers stop sending before the listener closes.
      // Sent, not thrown: an expected 503 is no error for the log.
      if (app.draining) return sendProblem(reply, request, problems.shuttingDown(5));
      try {
        await sql`select 1`.execute(app.database.db);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        throw problems.databaseUnavailable(5);
      }
      return { status: 'ok' as const, ...app.reads.status() };
    },
  );
}
