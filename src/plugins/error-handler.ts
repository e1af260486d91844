/**
 * The one error handler: every error becomes problem+json. Client errors
 * carry their detail; 5xx never carry internals (the detail goes to the log,
 * the body gets the request id to quote).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem, isDatabaseUnavailable, isQueryTimeout, problems } from '../errors.js';
import { RowBudgetExceeded } from '../orm/index.js';

const RETRY_AFTER_SECONDS = 5;

/** Maps any thrown value to the problem the client sees. */
export function problemFor(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  // The ORM names the lookup (`articles__comments`); the client wrote the include as `articles.comments`.
  if (error instanceof RowBudgetExceeded) return problems.tooManyRows(error.limit, error.lookup?.replaceAll('__', '.'));
  if (isDatabaseUnavailable(error)) return problems.databaseUnavailable(RETRY_AFTER_SECONDS);
  if (isQueryTimeout(error)) return problems.queryTimeout(RETRY_AFTER_SECONDS);
  const status = (error as FastifyError)?.statusCode;
  // Fastify's own client errors (bad content type, body too large, ...) are meant for clients.
  if (typeof status === 'number' && status >= 400 && status < 500) return problems.clientError(status, (error as Error).message);
  return problems.internal();
}

/** Sends a problem as application/problem+json. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ApiProblem): FastifyReply {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problem.toBody(problem.status >= 500 ? request.id : undefined));
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = problemFor(error);
    if (problem.status >= 500) request.log.error({ err: error, status: problem.status }, 'request failed');
    else request.log.info({ status: problem.status, detail: problem.detail }, 'client error');
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, problems.routeNotFound(request.method, request.url)));
}
