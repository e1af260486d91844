import type { Kysely } from 'kysely';

/**
 * A small, deterministic data set for the ORM tests, shaped to hit the edge
 * cases Django's own tests care about:
 * - Alice has 7 published articles (more than a `slice(0, 5)`), Bob 3 with a
 *   tie in pub_date (broken by id), Carol none (a parent with no children);
 * - one article has a null category, unpublished ones have a null pub_date;
 * - tags include inactive ones and one tag on no article;
 * - comments include anonymous ones (null author) and ties in created_at,
 *   one of them straddling the 5th place of article 'orm';
 * - several articles have no comments at all;
 * - reactions on articles and on comments, one on a comment that was deleted.
 *
 * The rows are returned with their ids so tests can compute expected results
 * by brute force instead of hard-coding them.
 */
export interface AuthorRow { id: number; key: string; name: string; email: string; bio: string | null }
export interface CategoryRow { id: number; key: string; name: string; slug: string }
export interface ArticleRow {
  id: number; key: string; authorId: number; categoryId: number | null; title: string;
  isPublished: boolean; pubDate: Date | null;
}
export interface TagRow { id: number; key: string; name: string; active: boolean }
export interface CommentRow { id: number; key: string; articleId: number; authorId: number | null; body: string; createdAt: Date }
export interface ReactionRow { id: number; targetType: 'article' | 'comment'; targetId: number; kind: string; authorId: number | null }

export interface Fixtures {
  authors: AuthorRow[];
  categories: CategoryRow[];
  articles: ArticleRow[];
  tags: TagRow[];
  /** [articleId, tagId] pairs. */
  articleTags: Array<[number, number]>;
  /** The comments that still exist (the deleted one is not listed). */
  comments: CommentRow[];
  reactions: ReactionRow[];
  /** Id of the comment that was deleted after a reaction pointed at it. */
  deletedCommentId: number;
  author(key: string): AuthorRow;
  category(key: string): CategoryRow;
  article(key: string): ArticleRow;
  tag(key: string): TagRow;
  comment(key: string): CommentRow;
}

const day = (d: string) => new Date(`${d}T12:00:00.000Z`);
const BASE = Date.parse('2025-03-01T00:00:00.000Z');
const hoursAfterBase = (h: number) => new Date(BASE + h * 3_600_000);

const AUTHORS = [
  { key: 'alice', name: 'Alice Archer', email: 'alice@example.com', bio: 'Writes about ORMs' },
  { key: 'bob', name: 'Bob Baker', email: 'bob@example.com', bio: null },
  { key: 'carol', name: 'Carol Cooper', email: 'carol@example.com', bio: null },
];

const CATEGORIES = [
  { key: 'tech', name: 'Tech', slug: 'tech' },
  { key: 'life', name: 'Life', slug: 'life' },
];

// [key, author, category, title, pubDate (null = unpublished)]
const ARTICLES: Array<[string, string, string | null, string, string | null]> = [
  ['orm', 'alice', 'tech', 'ORM internals', '2025-01-01'],
  ['prefetch', 'alice', 'tech', 'Prefetching explained', '2025-01-03'],
  ['loose', 'alice', null, 'Uncategorised thoughts', '2025-01-05'],
  ['garden', 'alice', 'life', 'Gardening', '2025-01-02'],
  ['aliceDraft', 'alice', 'life', 'Draft: cooking', null],
  ['joins', 'alice', 'tech', 'Joins', '2025-01-07'],
  ['indexes', 'alice', 'tech', 'Indexes', '2025-01-06'],
  ['travel', 'alice', 'life', 'Travel notes', '2025-01-04'],
  ['kysely', 'bob', 'tech', 'Kysely tips', '2025-02-01'],
  ['bobDraft', 'bob', 'life', 'Draft: hiking', null],
  ['windows', 'bob', 'tech', 'Window functions', '2025-02-01'],
  ['quiet', 'bob', 'life', 'A quiet article', '2025-02-03'],
];

const TAGS = [
  { key: 'orm', name: 'orm', active: true },
  { key: 'sql', name: 'sql', active: true },
  { key: 'python', name: 'python', active: true },
  { key: 'legacy', name: 'legacy', active: false },
  { key: 'unused', name: 'unused', active: true },
  { key: 'deprecated', name: 'deprecated', active: false },
];

const ARTICLE_TAGS: Array<[string, string]> = [
  ['orm', 'orm'], ['orm', 'sql'], ['orm', 'legacy'],
  ['prefetch', 'orm'], ['prefetch', 'deprecated'],
  ['loose', 'python'],
  ['joins', 'sql'], ['joins', 'legacy'],
  ['kysely', 'sql'], ['kysely', 'orm'],
  ['windows', 'sql'],
];

// [key, article, author (null = anonymous), hours after BASE]
const COMMENTS: Array<[string, string, string | null, number]> = [
  ['o1', 'orm', 'bob', 1],
  ['o2', 'orm', null, 2],
  ['o3', 'orm', 'carol', 2],
  ['o4', 'orm', 'alice', 3],
  ['o5', 'orm', null, 5],
  ['o6', 'orm', 'bob', 5],
  ['o7', 'orm', 'carol', 4],
  ['p1', 'prefetch', 'alice', 1],
  ['p2', 'prefetch', null, 6],
  ['p3', 'prefetch', 'carol', 1],
  ['k1', 'kysely', null, 0],
  ['k2', 'kysely', 'alice', 0.5],
  ['j1', 'joins', 'bob', 10],
  ['doomed', 'prefetch', 'bob', 7],
];

// [target type, target key, kind, author]
const REACTIONS: Array<['article' | 'comment', string, string, string | null]> = [
  ['article', 'orm', 'like', 'bob'],
  ['article', 'orm', 'love', 'carol'],
  ['article', 'prefetch', 'like', null],
  ['comment', 'o1', 'like', 'alice'],
  ['comment', 'o4', 'love', 'bob'],
  ['article', 'kysely', 'like', 'alice'],
  ['comment', 'doomed', 'like', 'bob'],
  ['comment', 'p2', 'like', null],
];

function finder<T extends { key: string }>(rows: T[], what: string): (key: string) => T {
  return (key) => {
    const row = rows.find((r) => r.key === key);
    if (!row) throw new Error(`fixtures: no ${what} '${key}'`);
    return row;
  };
}

async function insertAll<T extends Record<string, unknown>>(db: Kysely<any>, table: string, rows: T[]): Promise<number[]> {
  const inserted = await db.insertInto(table).values(rows).returning('id').execute();
  return inserted.map((r) => Number(r.id));
}

/** Inserts the fixture rows into an empty, migrated database and describes them. */
export async function seedFixtures(db: Kysely<any>): Promise<Fixtures> {
  const authorIds = await insertAll(db, 'authors', AUTHORS.map(({ name, email, bio }, i) =>
    ({ name, email, bio, created_at: day(`2024-12-0${i + 1}`) })));
  const authors = AUTHORS.map((a, i) => ({ ...a, id: authorIds[i] }));
  const author = finder(authors, 'author');

  const categoryIds = await insertAll(db, 'categories', CATEGORIES.map(({ name, slug }) => ({ name, slug })));
  const categories = CATEGORIES.map((c, i) => ({ ...c, id: categoryIds[i] }));
  const category = finder(categories, 'category');

  const articleSpecs = ARTICLES.map(([key, a, c, title, pub]) => ({
    key, authorId: author(a).id, categoryId: c === null ? null : category(c).id, title,
    isPublished: pub !== null, pubDate: pub === null ? null : day(pub),
  }));
  const articleIds = await insertAll(db, 'articles', articleSpecs.map((a, i) => ({
    author_id: a.authorId, category_id: a.categoryId, title: a.title, body: `Body of ${a.title}`,
    is_published: a.isPublished, pub_date: a.pubDate, created_at: day(`2024-12-${10 + i}`),
  })));
  const articles = articleSpecs.map((a, i) => ({ ...a, id: articleIds[i] }));
  const article = finder(articles, 'article');

  const tagIds = await insertAll(db, 'tags', TAGS.map(({ name, active }) => ({ name, active })));
  const tags = TAGS.map((t, i) => ({ ...t, id: tagIds[i] }));
  const tag = finder(tags, 'tag');

  const articleTags = ARTICLE_TAGS.map(([a, t]): [number, number] => [article(a).id, tag(t).id]);
  await db.insertInto('article_tags').values(articleTags.map(([article_id, tag_id]) => ({ article_id, tag_id }))).execute();

  const commentSpecs = COMMENTS.map(([key, a, by, hours]) => ({
    key, articleId: article(a).id, authorId: by === null ? null : author(by).id,
    body: `Comment ${key}`, createdAt: hoursAfterBase(hours),
  }));
  const commentIds = await insertAll(db, 'comments', commentSpecs.map((c) => ({
    article_id: c.articleId, author_id: c.authorId, body: c.body, created_at: c.createdAt,
  })));
  const allComments = commentSpecs.map((c, i) => ({ ...c, id: commentIds[i] }));
  const comment = finder(allComments, 'comment');

  const reactionSpecs = REACTIONS.map(([targetType, target, kind, by]) => ({
    targetType, targetId: targetType === 'article' ? article(target).id : comment(target).id,
    kind, authorId: by === null ? null : author(by).id,
  }));
  const reactionIds = await insertAll(db, 'reactions', reactionSpecs.map((r, i) => ({
    target_type: r.targetType, target_id: r.targetId, kind: r.kind, author_id: r.authorId,
    created_at: hoursAfterBase(100 + i),
  })));
  const reactions = reactionSpecs.map((r, i) => ({ ...r, id: reactionIds[i] }));

  // The generic foreign key has no FK constraint, so this reaction now dangles.
  const deletedCommentId = comment('doomed').id;
  await db.deleteFrom('comments').where('id', '=', deletedCommentId).execute();
  const comments = allComments.filter((c) => c.id !== deletedCommentId);

  return {
    authors, categories, articles, tags, articleTags, comments, reactions, deletedCommentId,
    author, category, article, tag, comment: finder(comments, 'comment'),
  };
}

/** Ids of `rows` as a sorted list, for order-insensitive comparisons. */
export function sortedIds(rows: Iterable<{ id: number }>): number[] {
  return [...rows].map((r) => r.id).sort((a, b) => a - b);
}

/**
 * Brute-force "newest first, ties by id ascending, first n", the ordering the
 * ORM applies for `orderBy('-field')` with its pk tie-breaker.
 */
export function newestFirst<T extends { id: number }>(rows: T[], at: (row: T) => Date | null, n = Infinity): number[] {
  const time = (row: T) => at(row)?.getTime() ?? -Infinity;
  return [...rows]
    .sort((a, b) => time(b) - time(a) || a.id - b.id)
    .slice(0, n)
    .map((r) => r.id);
}
