/**
 * Shared checks for the hostile-input tests: what a safe response to garbage
 * looks like, and a row count of every table to prove nothing was changed.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { TestDatabase } from '../helpers/databases.js';
import { seedFixtures } from '../orm/fixtures.js';

/** Every table of the schema (API.md §1). */
export const TABLES = ['authors', 'categories', 'articles', 'tags', 'article_tags', 'comments', 'reactions'] as const;

/** Row count per table, in one statement. */
export async function rowCounts(db: Kysely<any>): Promise<Record<string, number>> {
  const counts = sql.join(TABLES.map((table) => sql`(select count(*) from ${sql.table(table)})::int as ${sql.ref(table)}`));
  const { rows } = await sql<Record<string, number>>`select ${counts}`.execute(db);
  return { ...rows[0] };
}

/**
 * What must never reach a client, each with a name for the failure message.
 * A pattern is only checked when the client's own input does not contain it:
 * a 400 quotes the offending token, and `') union select` legitimately comes back.
 */
const LEAKS: Array<[string, RegExp]> = [
  ['stack trace', /\bat (?:async )?[\w$.<>]+ \(|\n\s+at /],
  ['SQL select', /select /i],
  ['SQL from', /from "/i],
  ['SQL keyword', /\b(?:syntax error at or near|relation "|column "|violates|pg_catalog)\b/i],
  ['file path', /\/work\/|node_modules|\.ts:\d+|file:\/\//],
  ['exception name', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|DatabaseError)\b/],
];

/** Every string anywhere in a parsed JSON value (keys included). */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      stringsOf(item, out);
    }
  }
  return out;
}

/** Names of the leak patterns found in `body` that the client's `input` does not itself contain. */
export function leaksIn(body: unknown, input: string): string[] {
  const text = stringsOf(body).join('\n');
  return LEAKS.filter(([, pattern]) => !pattern.test(input) && pattern.test(text)).map(([name]) => name);
}

/**
 * Why a response to hostile input is unsafe, or undefined when it is fine:
 * an allowed status, JSON (problem+json for errors) that parses, a problem
 * shape on errors, and no leaks.
 */
export function unsafeResponse(response: LightMyRequestResponse, input: string, allowed: readonly number[]): string | undefined {
  if (!allowed.includes(response.statusCode)) return `status ${response.statusCode}, expected ${allowed.join('/')}: ${response.body.slice(0, 300)}`;
  let body: any;
  try {
    body = response.json();
  } catch {
    return `body is not JSON: ${response.body.slice(0, 200)}`;
  }
  const type = String(response.headers['content-type'] ?? '');
  if (response.statusCode >= 400) {
    if (!type.startsWith('application/problem+json')) return `${response.statusCode} with content-type ${type}`;
    if (body.status !== response.statusCode || typeof body.title !== 'string' || typeof body.detail !== 'string') {
      return `not a problem body: ${response.body.slice(0, 200)}`;
    }
  } else if (!('data' in body)) {
    return `200 without data: ${response.body.slice(0, 200)}`;
  }
  const leaks = leaksIn(body, input);
  return leaks.length ? `leaks ${leaks.join(', ')}: ${response.body.slice(0, 300)}` : undefined;
}

/** Percent-encodes every UTF-8 byte that is not unreserved, so any string (lone surrogates too) fits in a URL. */
export function encodeAll(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** An app over `database` seeded with the ORM fixtures; closed with the test. */
export async function fixtureApp(t: Test, database: TestDatabase): Promise<FastifyInstance> {
  await seedFixtures(database.db);
  const app = await buildApp({ database });
  t.teardown(() => app.close());
  return app;
}
