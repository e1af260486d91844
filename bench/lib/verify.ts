import { isDeepStrictEqual } from 'node:util';
import type { ChildServer } from './child-server.js';
import { queriesFromHeaders } from './implementations.js';
import { PAGE_SIZES, SCENARIOS, scenarioKey, scenarioPath } from './scenarios.js';

/** SQL queries per request, per implementation and scenario key. */
export type QueryCounts = Record<string, Record<string, number | null>>;

export class MismatchError extends Error {
  override name = 'MismatchError';
}

/**
 * Fetches every scenario at every page size from every server and requires
 * `data` to equal the first server's (the reference). Returns the query count
 * each response reported. A difference throws with the first differing path.
 */
export async function verifyIdenticalData(servers: ChildServer[]): Promise<QueryCounts> {
  const counts: QueryCounts = Object.fromEntries(servers.map((s) => [s.name, {}]));
  const [reference, ...others] = servers;
  for (const scenario of SCENARIOS) {
    for (const pageSize of PAGE_SIZES) {
      const key = scenarioKey(scenario, pageSize);
      const path = scenarioPath(scenario, pageSize);
      const expected = await fetchData(reference, path, counts[reference.name], key);
      for (const server of others) {
        const actual = await fetchData(server, path, counts[server.name], key);
        if (!isDeepStrictEqual(actual, expected)) {
          throw new MismatchError(
            `${server.name} differs from ${reference.name} on ${key}:\n${firstDifference(expected, actual, 'data')}`,
          );
        }
      }
    }
  }
  return counts;
}

async function fetchData(server: ChildServer, path: string, counts: Record<string, number | null>, key: string): Promise<unknown> {
  const response = await fetch(server.baseUrl + path, { headers: server.headers });
  const text = await response.text();
  if (!response.ok) throw new MismatchError(`${server.name} answered ${response.status} to ${path}: ${text.slice(0, 500)}`);
  counts[key] = queriesFromHeaders(response.headers);
  return (JSON.parse(text) as { data: unknown }).data;
}

/** A readable description of where two JSON values first differ (a diff of one line each side). */
export function firstDifference(expected: unknown, actual: unknown, path: string): string {
  if (isDeepStrictEqual(expected, actual)) return '';
  const bothObjects = typeof expected === 'object' && typeof actual === 'object' && expected !== null && actual !== null;
  if (bothObjects && Array.isArray(expected) === Array.isArray(actual)) {
    if (Array.isArray(expected) && Array.isArray(actual) && expected.length !== actual.length) {
      const shorter = Math.min(expected.length, actual.length);
      for (let i = 0; i < shorter; i++) {
        const inner = firstDifference(expected[i], actual[i], `${path}[${i}]`);
        if (inner) return inner;
      }
      return `${path}: expected ${expected.length} items, got ${actual.length}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const label = Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`;
      if (!(key in (expected as object))) return `${label}: unexpected, got ${brief((actual as any)[key])}`;
      if (!(key in (actual as object))) return `${label}: missing, expected ${brief((expected as any)[key])}`;
      const inner = firstDifference((expected as any)[key], (actual as any)[key], label);
      if (inner) return inner;
    }
  }
  return `- ${path}: ${brief(expected)}\n+ ${path}: ${brief(actual)}`;
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
