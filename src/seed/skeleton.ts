import { DEMO_EPOCH_MS, type DemoCounts } from './counts.js';
import { Random, WeightedPicker } from './random.js';

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const YEAR = 365 * DAY;

/**
 * The numeric shape of a demo data set: who wrote what, when, and how many
 * comments and tags each article gets. Rows reference each other through it
 * (a comment is later than its article, a reaction later than its target), so
 * it is built eagerly in typed arrays, while the rows with their text are
 * produced lazily batch by batch. Indexes are 0-based; row ids are index + 1.
 */
export interface DemoSkeleton {
  counts: DemoCounts;
  authorCreatedAt: Float64Array;
  articleAuthor: Int32Array;
  articleCreatedAt: Float64Array;
  /** Relative popularity: drives comment and reaction counts. */
  articleWeight: Float64Array;
  articleTagCount: Uint8Array;
  /** Comments are numbered article by article: article 0's first, then article 1's... */
  commentsPerArticle: Int32Array;
  commentArticle: Int32Array;
  commentCreatedAt: Float64Array;
  /** Articles that must carry tag 0 (the hot tag of a skewed data set). */
  hotTagArticle: Uint8Array;
}

/**
 * A skewed data set (`--skew`) adds the hot spots real data has: one author
 * (id 1) writing HOT_AUTHOR_ARTICLES articles, one article (id 1) with
 * HOT_ARTICLE_COMMENTS comments, one tag (id 1) on HOT_TAG_ARTICLES articles;
 * each capped at half of what the scale has. Totals do not change, but for
 * article_tags: a hot-tagged article gets at least one tag.
 */
export const HOT_AUTHOR_ARTICLES = 50_000;
export const HOT_ARTICLE_COMMENTS = 20_000;
export const HOT_TAG_ARTICLES = 30_000;

/** Share of articles nobody comments on, and of comments that copy the previous comment's time. */
const SILENT_ARTICLE_SHARE = 0.08;
const VIRAL_ARTICLE_SHARE = 0.003;
const TIED_COMMENT_SHARE = 0.08;
const MAX_TAGS_PER_ARTICLE = 8;

/** Authors join during the first year; a few never write (weight 0), a few write a lot. */
function authorWeights(random: Random, count: number): Float64Array {
  const weights = new Float64Array(count);
  for (let i = 0; i < count; i++) weights[i] = random.chance(0.05) ? 0 : random.exponential(1) + 0.05;
  weights[0] = Math.max(weights[0], 1);
  return weights;
}

/**
 * Popularity with a long tail: ~8% of articles get no comment at all, most a
 * handful, and ~0.3% (at least one) are "viral" with hundreds.
 */
function articleWeights(random: Random, count: number): Float64Array {
  const weights = new Float64Array(count);
  for (let i = 0; i < count; i++) weights[i] = random.chance(SILENT_ARTICLE_SHARE) ? 0 : random.exponential(1) + 0.2;
  for (const viral of random.sample(count, Math.max(1, Math.round(count * VIRAL_ARTICLE_SHARE)))) {
    weights[viral] = random.int(40, 80);
  }
  return weights;
}

function commentTimes(random: Random, skeleton: Omit<DemoSkeleton, 'commentArticle' | 'commentCreatedAt'>) {
  const total = skeleton.counts.comments;
  const commentArticle = new Int32Array(total);
  const commentCreatedAt = new Float64Array(total);
  let index = 0;
  skeleton.commentsPerArticle.forEach((count, article) => {
    for (let j = 0; j < count; j++, index++) {
      commentArticle[index] = article;
      // Ties on created_at within one article exercise the id tie-breaker of
      // per-parent orderings; times are otherwise random, so id order and
      // time order disagree and an ordering bug cannot hide behind ids.
      commentCreatedAt[index] =
        j > 0 && random.chance(TIED_COMMENT_SHARE)
          ? commentCreatedAt[index - 1]
          : skeleton.articleCreatedAt[article] + Math.round(random.exponential(7 * 86_400)) * SECOND;
    }
  });
  return { commentArticle, commentCreatedAt };
}

/** Builds the skeleton of the data set for `counts`, drawing from `random`. */
export function buildSkeleton(counts: DemoCounts, random: Random, skew = false): DemoSkeleton {
  const hotArticles = skew ? Math.min(HOT_AUTHOR_ARTICLES, Math.floor(counts.articles / 2)) : 0;
  const hotTagged = skew ? Math.min(HOT_TAG_ARTICLES, Math.floor(counts.articles / 2)) : 0;
  const hotComments = skew ? Math.min(HOT_ARTICLE_COMMENTS, Math.floor(counts.comments / 2)) : 0;
  const people = random.fork('authors');
  const authorCreatedAt = new Float64Array(counts.authors);
  for (let i = 0; i < counts.authors; i++) authorCreatedAt[i] = DEMO_EPOCH_MS + people.int(0, YEAR / SECOND - 1) * SECOND;
  const authorPicker = new WeightedPicker(authorWeights(people, counts.authors));

  const writing = random.fork('articles');
  const articleAuthor = new Int32Array(counts.articles);
  const articleCreatedAt = new Float64Array(counts.articles);
  const articleTagCount = new Uint8Array(counts.articles);
  for (let i = 0; i < counts.articles; i++) {
    const picked = authorPicker.pick(writing);
    // Every other article, up to the hot count, goes to the hot author.
    articleAuthor[i] = i % 2 === 0 && i / 2 < hotArticles ? 0 : picked;
    // Articles start a year after the epoch, so every author exists before writing.
    articleCreatedAt[i] = DEMO_EPOCH_MS + YEAR + writing.int(0, (3 * YEAR) / SECOND - 1) * SECOND;
    articleTagCount[i] = writing.int(0, MAX_TAGS_PER_ARTICLE);
  }
  // Every third article, up to the hot count, carries the hot tag.
  const hotTagArticle = new Uint8Array(counts.articles);
  for (let i = 0, n = 0; i < counts.articles && n < hotTagged; i += 3, n++) {
    hotTagArticle[i] = 1;
    articleTagCount[i] = Math.max(articleTagCount[i], 1);
  }
  const articleWeight = articleWeights(writing, counts.articles);

  const talk = random.fork('comments');
  const commentsPerArticle = new Int32Array(counts.articles);
  const articlePicker = new WeightedPicker(articleWeight);
  for (let i = 0; i < counts.comments; i++) {
    const picked = articlePicker.pick(talk);
    commentsPerArticle[i < hotComments ? 0 : picked]++;
  }

  const partial = { counts, authorCreatedAt, articleAuthor, articleCreatedAt, articleWeight, articleTagCount, commentsPerArticle, hotTagArticle };
  return { ...partial, ...commentTimes(talk, partial) };
}
