/**
 * The OpenAPI 3.1 document at /docs/json (and the UI at /docs), from the
 * routes' zod schemas and response declarations (src/openapi/). Routes follow
 * src/openapi/README.md: an operationId, a tag, every status they can answer
 * (problemResponses), the headers they send.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { finishDocument, transformRoute } from '../openapi/document.js';
import type { Resource } from '../routes/resources/index.js';

export interface SwaggerOptions {
  resources: ReadonlyMap<string, Resource>;
  /** Rate limiting is on (429s and the counters are documented). */
  rateLimited: boolean;
  /** EXPLAIN over HTTP is on (the plan media type is documented). */
  plansEnabled: boolean;
}

export async function registerSwagger(app: FastifyInstance, options: SwaggerOptions): Promise<void> {
  const resourceTags = [...options.resources.values()].map((resource) => ({ name: resource.name, description: resource.description }));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'loom',
        version: '0.1.0',
        // Not published under an open licence (package.json: private).
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
        description:
          'Related data over REST: `include` embeds relations, loaded in a constant number of SQL queries ' +
          '(one, plus one per to-many relation). Every response has a `Server-Timing` header with the query count ' +
          'and an `X-Request-Id`. Errors are `application/problem+json` (RFC 9457).',
      },
      // Relative: the document describes whichever host serves it.
      servers: [{ url: '/', description: 'this server' }],
      // Reads need no credentials but take a token (a bad one is a 401); writes need one.
      security: [{}, { bearerAuth: [] }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token from `npm run token` (API.md §6).' },
        },
      },
      tags: [...resourceTags, { name: 'health', description: 'Liveness and readiness probes for orchestrators and load balancers.' }],
    },
    transform: transformRoute,
    transformObject: finishDocument({ rateLimited: options.rateLimited, plansEnabled: options.plansEnabled }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
}
