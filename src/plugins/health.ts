/** Liveness (the process answers) and readiness (not shutting down, the database answers `select 1`). */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { problems } from '../errors.js';
import { ProblemSchema } from '../serializers/response-schemas.js';

const Status = z.object({ status: z.literal('ok') }).meta({ id: 'HealthStatus' });

export function registerHealth(app: FastifyInstance): void {
  app.get('/health/live', { schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/health/ready',
    { schema: { tags: ['health'], summary: 'The database answers', response: { 200: Status, 503: ProblemSchema } } },
    async (request) => {
      // Fails first thing on SIGTERM, so balancers stop sending before the listener closes.
      if (app.draining) throw problems.shuttingDown(5);
      try {
        await sql`select 1`.execute(app.database.db);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        throw problems.databaseUnavailable(5);
      }
      return { status: 'ok' as const };
    },
  );
}
