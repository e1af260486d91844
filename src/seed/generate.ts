import { demoCounts, isInactiveTag } from './counts.js';
import { Random, WeightedPicker } from './random.js';
import { buildSkeleton, type DemoSkeleton } from './skeleton.js';
import { CATEGORY_NAMES, FIRST_NAMES, LAST_NAMES, TAG_WORDS, paragraph, sentence, slugify, title } from './words.js';

/** The SQL array types the loader can bind (one `unnest` argument per column). */
export type ColumnType = 'bigint' | 'text' | 'boolean' | 'timestamptz';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** One table of demo data: its columns, its exact row count, and its rows on demand. */
export interface TablePlan {
  table: string;
  columns: readonly ColumnSpec[];
  rowCount: number;
  /** Whether the table has a bigserial `id` whose sequence must follow the explicit ids. */
  hasSerialId: boolean;
  /** The rows in id order; each call starts over and yields the same rows. */
  rows(): Iterable<unknown[]>;
}

/** The seed of the default data set; another seed gives another, equally valid one. */
export const DEFAULT_SEED = 20_200_101;

const HOUR = 3_600_000;
const REACTION_KINDS = ['like', 'love', 'laugh', 'wow'];
const REACTION_KIND_WEIGHTS = [60, 20, 12, 8];

const iso = (ms: number) => new Date(ms).toISOString();

/** A plan from a compact column list: `'id:bigint name:text'`; every demo table with an `id` has a bigserial one. */
function tablePlan(table: string, spec: string, rowCount: number, rows: () => Iterable<unknown[]>): TablePlan {
  const columns = spec.split(' ').map((pair) => {
    const [name, type] = pair.split(':');
    return { name, type: type as ColumnType };
  });
  return { table, columns, rowCount, hasSerialId: columns[0].name === 'id', rows };
}

function authors(s: DemoSkeleton, random: Random): TablePlan {
  return tablePlan('authors', 'id:bigint name:text email:text bio:text created_at:timestamptz', s.counts.authors, function* () {
    const r = random.fork('authors');
    for (let i = 0; i < s.counts.authors; i++) {
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      const bio = r.chance(0.3) ? null : sentence(r);
      yield [i + 1, `${first} ${last}`, `${first}.${last}.${i + 1}@example.com`.toLowerCase(), bio, iso(s.authorCreatedAt[i])];
    }
  });
}

/** Names come from a list, numbered once the list runs out, so they stay unique. */
function vocabularyName(list: readonly string[], index: number, separator: string): string {
  const round = Math.floor(index / list.length);
  const base = list[index % list.length];
  return round === 0 ? base : `${base}${separator}${round + 1}`;
}

function categories(s: DemoSkeleton): TablePlan {
  return tablePlan('categories', 'id:bigint name:text slug:text', s.counts.categories, function* () {
    for (let i = 0; i < s.counts.categories; i++) {
      const name = vocabularyName(CATEGORY_NAMES, i, ' ');
      yield [i + 1, name, slugify(name)];
    }
  });
}

function tags(s: DemoSkeleton): TablePlan {
  return tablePlan('tags', 'id:bigint name:text active:boolean', s.counts.tags, function* () {
    for (let i = 0; i < s.counts.tags; i++) yield [i + 1, vocabularyName(TAG_WORDS, i, '-'), !isInactiveTag(i)];
  });
}

function articles(s: DemoSkeleton, random: Random): TablePlan {
  const spec =
    'id:bigint author_id:bigint category_id:bigint title:text body:text is_published:boolean pub_date:timestamptz created_at:timestamptz';
  return tablePlan('articles', spec, s.counts.articles, function* () {
    const r = random.fork('article rows');
    // An author's articles sometimes share a pub_date, so "newest per author"
    // orderings need their id tie-breaker.
    const lastPubDate = new Map<number, number>();
    for (let i = 0; i < s.counts.articles; i++) {
      const author = s.articleAuthor[i];
      const createdAt = s.articleCreatedAt[i];
      const category = r.chance(0.1) ? null : r.int(1, s.counts.categories);
      const published = r.chance(0.7);
      let pubDate: number | null = null;
      if (published) {
        const previous = lastPubDate.get(author);
        pubDate =
          previous !== undefined && r.chance(0.05) ? previous : Math.ceil(createdAt / HOUR) * HOUR + r.int(0, 72) * HOUR;
        lastPubDate.set(author, pubDate);
      }
      yield [i + 1, author + 1, category, title(r), paragraph(r, 3, 6), published, pubDate === null ? null : iso(pubDate), iso(createdAt)];
    }
  });
}

function articleTags(s: DemoSkeleton, random: Random): TablePlan {
  const perArticle = (i: number) => Math.min(s.articleTagCount[i], s.counts.tags);
  let rowCount = 0;
  for (let i = 0; i < s.counts.articles; i++) rowCount += perArticle(i);
  return tablePlan('article_tags', 'article_id:bigint tag_id:bigint', rowCount, function* () {
    const r = random.fork('article tags');
    for (let i = 0; i < s.counts.articles; i++) {
      const chosen = r.sample(s.counts.tags, perArticle(i));
      if (s.hotTagArticle[i] && !chosen.includes(0)) chosen[0] = 0;
      for (const tag of chosen) yield [i + 1, tag + 1];
    }
  });
}

function comments(s: DemoSkeleton, random: Random): TablePlan {
  return tablePlan('comments', 'id:bigint article_id:bigint author_id:bigint body:text created_at:timestamptz', s.counts.comments, function* () {
    const r = random.fork('comment rows');
    for (let i = 0; i < s.counts.comments; i++) {
      const author = r.chance(0.25) ? null : r.int(1, s.counts.authors);
      yield [i + 1, s.commentArticle[i] + 1, author, paragraph(r, 1, 2), iso(s.commentCreatedAt[i])];
    }
  });
}

function reactions(s: DemoSkeleton, random: Random): TablePlan {
  return tablePlan('reactions', 'id:bigint target_type:text target_id:bigint kind:text author_id:bigint created_at:timestamptz', s.counts.reactions, function* () {
    const r = random.fork('reaction rows');
    // Popular articles collect more reactions, but even silent ones get some.
    const articlePicker = new WeightedPicker(s.articleWeight.map((w) => w + 0.5));
    const kindPicker = new WeightedPicker(REACTION_KIND_WEIGHTS);
    for (let i = 0; i < s.counts.reactions; i++) {
      const onArticle = r.chance(0.4);
      const target = onArticle ? articlePicker.pick(r) : r.int(0, s.counts.comments - 1);
      const targetCreatedAt = onArticle ? s.articleCreatedAt[target] : s.commentCreatedAt[target];
      const kind = REACTION_KINDS[kindPicker.pick(r)];
      const author = r.chance(0.15) ? null : r.int(1, s.counts.authors);
      const createdAt = targetCreatedAt + Math.round(r.exponential(2 * 86_400)) * 1000;
      yield [i + 1, onArticle ? 'article' : 'comment', target + 1, kind, author, iso(createdAt)];
    }
  });
}

/**
 * The demo data set at `scale`, as tables in foreign-key order. The same
 * scale and seed always give the same rows.
 */
export function generateDemoTables(scale: number, seed = DEFAULT_SEED, skew = false): TablePlan[] {
  const random = new Random(seed);
  const skeleton = buildSkeleton(demoCounts(scale), random.fork('skeleton'), skew);
  return [
    authors(skeleton, random),
    categories(skeleton),
    tags(skeleton),
    articles(skeleton, random),
    articleTags(skeleton, random),
    comments(skeleton, random),
    reactions(skeleton, random),
  ];
}
