/**
 * The write scenario of issue 13: `POST /articles?include=author,tags` with
 * three tags, answered with the new article, its author and its tags (by
 * name), all in one transaction. Shared by the runner and the servers.
 */
export const WRITE_PATH = '/articles?include=author%2Ctags';
export const WRITE_TITLE = 'bench write';
export const WRITE_TAGS = [3, 1, 2];

/** The request body every implementation receives. */
export function writeBody(authorId: number): string {
  return JSON.stringify({ data: { authorId, title: WRITE_TITLE, body: 'Written by the benchmark.', isPublished: false, tagIds: WRITE_TAGS } });
}

/** What a write's answer must look like, with the values that differ per row (id, createdAt) left out. */
export function comparable(answer: { data: Record<string, unknown> }): unknown {
  const { id: _id, createdAt: _created, ...article } = answer.data;
  return article;
}
