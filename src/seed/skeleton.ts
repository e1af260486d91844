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
}

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
export function buildSkeleton(counts: DemoCounts, random: Random): DemoSkeleton {
  const people = random.fork('authors');
  const authorCreatedAt = new Float64Array(counts.authors);
  for (let i = 0; i < counts.authors; i++) authorCreatedAt[i] = DEMO_EPOCH_MS + people.int(0, YEAR / SECOND - 1) * SECOND;
  const authorPicker = new WeightedPicker(authorWeights(people, counts.authors));

  const writing = random.fork('articles');
  const articleAuthor = new Int32Array(counts.articles);
  const articleCreatedAt = new Float64Array(counts.articles);
  const articleTagCount = new Uint8Array(counts.articles);
  for (let i = 0; i < counts.articles; i++) {
    articleAuthor[i] = authorPicker.pick(writing);
    // Articles start a year after the epoch, so every author exists before writing.
    articleCreatedAt[i] = DEMO_EPOCH_MS + YEAR + writing.int(0, (3 * YEAR) / SECOND - 1) * SECOND;
    articleTagCount[i] = writing.int(0, MAX_TAGS_PER_ARTICLE);
  }
  const articleWeight = articleWeights(writing, counts.articles);

  const talk = random.fork('comments');
  const commentsPerArticle = new Int32Array(counts.articles);
  const articlePicker = new WeightedPicker(articleWeight);
  for (let i = 0; i < counts.comments; i++) commentsPerArticle[articlePicker.pick(talk)]++;

  const partial = { counts, authorCreatedAt, articleAuthor, articleCreatedAt, articleWeight, articleTagCount, commentsPerArticle };
  return { ...partial, ...commentTimes(talk, partial) };
}
