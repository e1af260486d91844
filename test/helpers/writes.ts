/** Sending writes to an app in tests: JSON bodies, the status, the body, the headers and Server-Timing's query count. */
import type { FastifyInstance } from 'fastify';

export interface Sent {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  queries: number;
}

/** Sends a write (JSON unless `raw` is given) and reads the answer. Issue 14: credentials go here. */
export async function send(app: FastifyInstance, method: string, url: string, body?: unknown, headers: Record<string, string> = {}, raw?: string): Promise<Sent> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await app.inject({
    method: method as any,
    url,
    payload,
    headers: { ...(payload !== undefined && raw === undefined ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const timing = /desc="(\d+) queries"/.exec(String(response.headers['server-timing']));
  return { status: response.statusCode, body: response.body ? response.json() : undefined, headers: response.headers, queries: Number(timing?.[1]) };
}

