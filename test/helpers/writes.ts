/** Sending writes to an app in tests: JSON bodies, the status, the body, the headers and Server-Timing's query count. */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { type IssuedToken, issueToken } from '../../src/auth/tokens.js';

export interface Sent {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  queries: number;
}

/** The credentials `send` gives each app by default (API.md §6: writes need a token). */
const credentials = new WeakMap<FastifyInstance, Record<string, string>>();

/**
 * Every later `send` to `app` asks as an admin (a new admin token on `db`),
 * unless its headers say otherwise. Returns the token, whose id names the
 * principal (idempotency keys are kept per principal).
 */
export async function sendAsAdmin(app: FastifyInstance, db: Kysely<any>): Promise<IssuedToken> {
  const issued = await issueToken(db, null);
  credentials.set(app, { authorization: `Bearer ${issued.token}` });
  return issued;
}

/** Sends a write (JSON unless `raw` is given) with the app's default credentials and reads the answer. */
export async function send(app: FastifyInstance, method: string, url: string, body?: unknown, headers: Record<string, string> = {}, raw?: string): Promise<Sent> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await app.inject({
    method: method as any,
    url,
    payload,
    headers: { ...(payload !== undefined && raw === undefined ? { 'content-type': 'application/json' } : {}), ...credentials.get(app), ...headers },
  });
  const timing = /desc="(\d+) queries"/.exec(String(response.headers['server-timing']));
  return { status: response.statusCode, body: response.body ? response.json() : undefined, headers: response.headers, queries: Number(timing?.[1]) };
}

