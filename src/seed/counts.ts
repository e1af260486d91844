/**
 * How many rows of each table a demo scale produces. Scale 1 is the reference
 * data set (1,000 authors, 10,000 articles, 100,000 comments); fractional
 * scales shrink it but keep at least one row of each table, and enough tags
 * and categories that inactive tags and several categories always exist.
 * article_tags is not listed: each article draws 0 to 8 tags.
 */
export interface DemoCounts {
  authors: number;
  categories: number;
  tags: number;
  articles: number;
  comments: number;
  reactions: number;
}

/** Largest accepted scale: 100 means 10 million comments, already minutes of loading. */
export const MAX_SCALE = 100;

export function demoCounts(scale: number): DemoCounts {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new RangeError(`scale must be a number above 0 and at most ${MAX_SCALE}, got ${scale}`);
  }
  const scaled = (perUnit: number, minimum: number) => Math.max(minimum, Math.round(perUnit * scale));
  return {
    authors: scaled(1_000, 1),
    categories: scaled(20, 3),
    tags: scaled(200, 10),
    articles: scaled(10_000, 1),
    comments: scaled(100_000, 1),
    reactions: scaled(50_000, 1),
  };
}

/** Share of tags that are inactive: every tenth one (ids 8, 18, 28, ...). */
export function isInactiveTag(index: number): boolean {
  return index % 10 === 7;
}

/**
 * All demo timestamps derive from this fixed instant, never from the clock,
 * so two runs produce identical rows.
 */
export const DEMO_EPOCH_MS = Date.UTC(2020, 0, 1);
