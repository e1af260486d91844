import { captureQueries } from './query-capture.js';

/**
 * Django's assertNumQueries for tap: runs `fn`, asserts how many SQL
 * statements it ran, and prints them when the count is wrong.
 *
 * ```ts
 * const articles = await assertNumQueries(t, 2, () => Article.objects.using(db).prefetchRelated('tags'));
 * ```
 */
export async function assertNumQueries<T>(
  t: { equal: (...args: any[]) => unknown },
  expected: number,
  fn: () => Promise<T> | T,
  message = `runs ${expected} queries`,
): Promise<T> {
  const { result, capture } = await captureQueries(fn);
  const detail = capture.queries.map((q, i) => `${i + 1}. ${q.sql}`).join('\n');
  t.equal(capture.count, expected, message, capture.count === expected ? {} : { queries: detail });
  return result;
}
