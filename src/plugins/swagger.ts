/** OpenAPI 3 document from the routes' zod schemas, at /docs/json, and the UI at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'loom',
        version: '0.1.0',
        description:
          'Related data over REST: `include` embeds relations, loaded in a constant number of SQL queries ' +
          '(one, plus one per to-many relation). Every response has a `Server-Timing` header with the query count. ' +
          'Errors are application/problem+json.',
      },
      tags: [{ name: 'resources' }, { name: 'health' }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
}
