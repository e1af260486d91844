/**
 * EXPLAIN over HTTP (issue 15): with `EXPLAIN_ENABLED=true`, a GET sent with
 * `Accept: application/vnd.loom.plan+json` answers, instead of its data,
 * `{ "plans": [{ "sql", "parameters", "plan" }] }`: PostgreSQL's plan of every
 * data statement the request ran, in order. The request runs as usual (the
 * statements after the first depend on its rows) and the plans are taken in
 * the same snapshot right after, through the request's session (uncounted).
 * Off by default: plans show the schema and the data's shape, so a server
 * that does not opt in answers such a request with 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problems } from '../errors.js';
import { explainStatement, type QueryPlan } from '../orm/index.js';
import { withVary } from './http-caching.js';

export const PLAN_MEDIA_TYPE = 'application/vnd.loom.plan+json';

export interface PlannedStatement {
  sql: string;
  parameters: readonly unknown[];
  plan: QueryPlan;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The plans of the request's statements, when the client asked for them instead of data. */
    plans: PlannedStatement[] | null;
  }
}

function wantsPlans(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return (request.method === 'GET' || request.method === 'HEAD') && accept !== undefined && accept.toLowerCase().includes(PLAN_MEDIA_TYPE);
}

/** The plans of the statements the request's session ran, taken in its snapshot (not counted). */
async function explainRequest(request: FastifyRequest): Promise<PlannedStatement[]> {
  const plans: PlannedStatement[] = [];
  for (const { sql, parameters } of [...request.session.queries]) {
    plans.push({ sql, parameters, plan: await explainStatement(request.session, sql, parameters) });
  }
  return plans;
}

export function registerQueryPlans(app: FastifyInstance, options: { enabled: boolean }): void {
  app.decorateRequest('plans', null);
  app.addHook('onRequest', (request, _reply, done) => {
    if (!wantsPlans(request)) return done();
    if (!options.enabled) return done(problems.plansDisabled());
    request.plans = [];
    done();
  });
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (request.plans === null || reply.statusCode !== 200) return payload;
    request.plans = await explainRequest(request);
    reply.serializer(JSON.stringify);
    reply.type(PLAN_MEDIA_TYPE);
    return { plans: request.plans };
  });
  // The representation depends on Accept once plans can be asked for.
  if (options.enabled) {
    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('vary', withVary(reply.getHeader('vary'), 'Accept'));
      done(null, payload);
    });
  }
}
