import type { CapturedQuery, Session } from './session.js';

/**
 * Django's assertNumQueries for tap: runs `fn`, asserts how many statements
 * it ran through `session` (what production counts: the session is the
 * only way the ORM runs SQL), and prints them when the count is wrong.
 *
 * ```ts
 * const articles = await assertNumQueries(t, session, 2, () => Article.objects.using(session).prefetchRelated('tags'));
 * ```
 */
export async function assertNumQueries<T>(
  t: { equal: (...args: any[]) => unknown },
  session: Session,
  expected: number,
  fn: () => Promise<T> | T,
  message = `runs ${expected} queries`,
): Promise<T> {
  const before = session.queries.length;
  const result = await fn();
  const ran = session.queries.slice(before);
  const detail = ran.map((q, i) => `${i + 1}. ${q.sql}`).join('\n');
  t.equal(ran.length, expected, message, ran.length === expected ? {} : { queries: detail });
  return result;
}

/**
 * Runs `fn` and gives what it ran through `session`.
 *
 * ```ts
 * const { result, capture } = await captureQueries(session, () => Article.objects.using(session).prefetchRelated('tags'));
 * capture.count // 2
 * ```
 */
export async function captureQueries<T>(session: Session, fn: () => Promise<T> | T): Promise<{ result: T; capture: { count: number; queries: CapturedQuery[] } }> {
  const before = session.queries.length;
  const result = await fn();
  const queries = session.queries.slice(before);
  return { result, capture: { count: queries.length, queries } };
}
