import { sql, type RawBuilder } from 'kysely';

/**
 * How a query narrowed to parents and sliced is sliced per parent:
 * - 'lateral': `unnest($1::bigint[]) as p(key) cross join lateral (select ...
 *   where fk = p.key order by ... limit k)`: a top-k per parent. With an index
 *   on (fk, ordering) each parent costs k index entries, whatever the number of
 *   its children (docs/PERFORMANCE.md: 50,000 articles of one author, 5 read).
 * - 'window': ROW_NUMBER() OVER (PARTITION BY fk ...) over every child of every
 *   parent, one scan and one sort. Chosen when the slice has no end (every
 *   child is read either way) and past LATERAL_MAX_PARENTS parents, where one
 *   scan and sort beats that many probes (docs/PERFORMANCE.md, "LATERAL or window").
 */
export type SliceForm = 'lateral' | 'window';

/**
 * Past this many parents a window's single scan can be cheaper than one probe
 * per parent. Measured at scale 10 (bench/results/skew-slices.md): with an index
 * in the slice's order LATERAL wins at every size (16x at 1,000 parents, 1.4x
 * at 20,000); with none, LATERAL wins 2.9x at 5,000 parents and loses 0.9x at
 * 20,000. API requests stay far below (a page of 100 x 50 per parent).
 */
export const LATERAL_MAX_PARENTS = 10_000;

/** The form the compiler uses for a per-parent slice of `high` (end) over `parents` keys. */
export function sliceFormFor(high: number | undefined, parents: number): SliceForm {
  return high !== undefined && parents <= LATERAL_MAX_PARENTS ? 'lateral' : 'window';
}

/** Distinct keys in first-seen order (the same array when there are no duplicates). */
export function distinctKeys(keys: readonly unknown[]): readonly unknown[] {
  const unique = new Set(keys);
  return unique.size === keys.length ? keys : [...unique];
}

/**
 * The keys a LATERAL slice binds: distinct, numeric ones ascending. The slice
 * returns its parents in the keys' order, so this is the window form's
 * `order by __pk` without a sort in SQL (at most LATERAL_MAX_PARENTS keys).
 */
export function lateralKeys(keys: readonly unknown[]): readonly unknown[] {
  const unique = distinctKeys(keys);
  return unique.every((key) => typeof key === 'number') ? [...(unique as number[])].sort((a, b) => a - b) : unique;
}

export interface PerParentParts {
  /** The selected columns `<ref> as <alias>` (for the window form, the ordering columns not loaded too). */
  selections: RawBuilder<unknown>[];
  /** Result aliases of the loaded columns, in select order. */
  loaded: string[];
  /** `from <table> as t0 <through join> <joins>`. */
  from: RawBuilder<unknown>;
  /** Filters and the restriction's extra condition, without the key condition. */
  where: RawBuilder<unknown>[];
  /** The parent key expression, e.g. `"t0"."article_id"`. */
  key: RawBuilder<unknown>;
  /** The bound parent keys (`$1::bigint[]`). */
  keys: RawBuilder<unknown>;
  /** ORDER BY terms over the base query's columns and over result aliases of `alias`. */
  orderTerms: RawBuilder<unknown>[];
  outerOrderTerms: (alias: string) => RawBuilder<unknown>[];
  /** Bound LIMIT (rows per parent) and OFFSET of the slice; undefined when absent. */
  limit: unknown;
  offset: unknown;
  /** The row budget's cap on the whole result (compiled in as a literal), or undefined. */
  cap: number | undefined;
}

const KEYS_ALIAS = '__p';
const SLICE_ALIAS = '__l';
const WINDOW_ALIAS = 'w';
const ROW_NUMBER_ALIAS = '__rn';

function conditions(where: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return where.length ? sql` where ${sql.join(where, sql` and `)}` : sql``;
}

/**
 * The cap is a literal, not a parameter: a prepared statement's generic plan
 * assumes an unknown LIMIT keeps 10% of the rows and then favours plans that
 * stop early (measured on the tags prefetch: a nested loop over every tag).
 */
function capClause(cap: number | undefined): RawBuilder<unknown> {
  return cap !== undefined ? sql` limit ${sql.lit(cap)}` : sql``;
}

/**
 * `select l.<loaded>, p.key as __pk from unnest($1) as p(key) cross join lateral
 * (select ... where <key> = p.key ... order by ... limit k offset o) as l`.
 * No outer ORDER BY: the nested loop returns each parent's rows together, in
 * the slice's order, parents in the keys' order (ascending, lateralKeys):
 * the window form's order, without a sort of every row returned (on a hot
 * parent's five rows the sort cost as much as the scan; skew-plans.md).
 */
export function lateralSlice(parts: PerParentParts, parentKeyAlias: string): RawBuilder<Record<string, unknown>> {
  const parentKey = sql.ref(`${KEYS_ALIAS}.key`);
  const inner = sql`select ${sql.join(parts.selections)} ${parts.from}${conditions([...parts.where, sql`${parts.key} = ${parentKey}`])} order by ${sql.join(parts.orderTerms)}${
    parts.limit !== undefined ? sql` limit ${parts.limit}` : sql``
  }${parts.offset !== undefined ? sql` offset ${parts.offset}` : sql``}`;
  const loaded = parts.loaded.map((as) => sql.ref(`${SLICE_ALIAS}.${as}`));
  const keys = sql`unnest(${parts.keys}) as ${sql.id(KEYS_ALIAS)}(key)`;
  return sql<Record<string, unknown>>`select ${sql.join(loaded)}, ${parentKey} as ${sql.id(parentKeyAlias)} from ${keys} cross join lateral (${inner}) as ${sql.id(SLICE_ALIAS)}${capClause(parts.cap)}`;
}

/**
 * `select w.<loaded>, w.__pk from (select ..., row_number() over (partition by
 * <key> order by ...) as __rn from ... where <key> = any($1)) as w where __rn >
 * low and __rn <= high order by __pk, <ordering>`, as Django 4.2 does. The
 * outer ORDER BY repeats the window's own order: PostgreSQL sees the rows
 * already come in that order and sorts nothing.
 */
export function windowSlice(parts: PerParentParts, parentKeyAlias: string, low: unknown, high: unknown): RawBuilder<Record<string, unknown>> {
  const rowNumber = sql`row_number() over (partition by ${parts.key} order by ${sql.join(parts.orderTerms)}) as ${sql.id(ROW_NUMBER_ALIAS)}`;
  const rn = sql.ref(`${WINDOW_ALIAS}.${ROW_NUMBER_ALIAS}`);
  const bounds = low !== undefined ? [sql`${rn} > ${low}`] : [];
  if (high !== undefined) bounds.push(sql`${rn} <= ${high}`);
  const inner = sql`select ${sql.join(parts.selections)}, ${parts.key} as ${sql.id(parentKeyAlias)}, ${rowNumber} ${parts.from}${conditions([
    ...parts.where,
    sql`${parts.key} = any(${parts.keys})`,
  ])}`;
  const loaded = [...parts.loaded, parentKeyAlias].map((as) => sql.ref(`${WINDOW_ALIAS}.${as}`));
  return sql<Record<string, unknown>>`select ${sql.join(loaded)} from (${inner}) as ${sql.id(WINDOW_ALIAS)}${conditions(bounds)} order by ${sql.ref(
    `${WINDOW_ALIAS}.${parentKeyAlias}`,
  )}, ${sql.join(parts.outerOrderTerms(WINDOW_ALIAS))}${capClause(parts.cap)}`;
}
