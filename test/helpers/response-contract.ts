/**
 * Every response the test suite's own requests produce is checked against
 * the app's OpenAPI document: its status is documented for the operation,
 * its media type is one the document lists, its body validates (ajv, JSON
 * Schema 2020-12, strict mode, formats checked), its declared headers are
 * present and well-formed, and no header the document knows is sent where
 * the document does not declare it.
 *
 * Loaded into every test process by tap (package.json: `node-arg`
 * `--import`): it subscribes to Fastify's `fastify.initialization` channel,
 * so every app any test builds is watched, whoever wrote the test. A
 * violation fails the test run (`t.fail` on the root test) with the request,
 * the status and what does not match. Apps without a document (no
 * @fastify/swagger) and routes the document does not list (/docs, unknown
 * routes) are not checked.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkResponse, contractFor, type Contract } from './openapi-contract.js';

/** Violations seen in this process; the contract test reads them too. */
export const violations: string[] = [];

/** Responses checked in this process (of apps that have a document). */
export const counts = { checked: 0 };

let reportToTap: ((message: string) => void) | undefined;

async function report(message: string): Promise<void> {
  violations.push(message);
  if (!reportToTap) {
    const { t } = await import('tap');
    reportToTap = (text) => t.fail(`response contract: ${text}`);
  }
  reportToTap(message);
}

function watch(app: FastifyInstance): void {
  let contract: Contract | null | undefined;
  const contractOf = (): Contract | null => {
    if (contract === undefined) {
      const swagger = (app as unknown as { swagger?: () => unknown }).swagger;
      contract = typeof swagger === 'function' ? contractFor(swagger.call(app) as Record<string, any>) : null;
    }
    return contract;
  };
  // A route-level onSend runs after the app-level ones: it sees the final status, headers and payload.
  const check = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    try {
      const found = contractOf();
      const routeUrl = request.routeOptions.url;
      if (found && routeUrl !== undefined) {
        counts.checked++;
        const problems = checkResponse(found, {
          method: request.method,
          routeUrl,
          status: reply.statusCode,
          headers: reply.getHeaders(),
          payload,
        });
        if (problems.length) void report(`${request.method} ${request.url} → ${reply.statusCode}: ${problems.join('; ')}`);
      }
    } catch (error) {
      void report(`${request.method} ${request.url}: the check failed: ${(error as Error).stack ?? error}`);
    }
    done(null, payload);
  };
  app.addHook('onRoute', (route) => {
    const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...existing, check] as typeof route.onSend;
  });
}

subscribe('fastify.initialization', (message) => watch((message as { fastify: FastifyInstance }).fastify));
