import type { Kysely } from 'kysely';
import { errors } from './errors.js';
import { getRelationCache, hasRelationCache, type ModelInstance, ORIGIN, PARENT_KEY, setRelationCache } from './instance.js';
import type { QuerySet } from './query-set.js';
import type { PrefetchBatch, Relation } from './relations/relation.js';
import { type Fetched, fetchSideBySide } from './fetch-side-by-side.js';
import { RowBudgetExceeded } from './row-budget.js';

/**
 * A prefetch lookup with an optional queryset and target attribute, Django's
 * `Prefetch`. Two Prefetch objects are the same lookup when they fill the same
 * path (`prefetchTo`), so duplicates collapse.
 *
 * ```ts
 * new Prefetch('comments', Comment.objects.orderBy('-createdAt').slice(0, 5), { toAttr: 'recentComments' })
 * // select w.f0, ..., w.__pk from (select ..., "t0"."article_id" as "__pk", row_number() over (partition by "t0"."article_id"
 * //   order by "t0"."created_at" desc, "t0"."id" asc) as "__rn" from "comments" as "t0"
 * //   where "t0"."article_id" = any($1::bigint[])) as w where w.__rn <= $2 order by w.__pk, w.f4 desc, w.f0 asc
 * ```
 */
export class Prefetch<const A extends string = string, R extends ModelInstance = any> {
  /** The relations walked: `author__articles`. */
  readonly prefetchThrough: string;
  /** Where the results land: the walked path with the last step renamed to toAttr. */
  readonly prefetchTo: string;
  readonly toAttr: A | undefined;

  constructor(
    lookup: string,
    readonly queryset?: QuerySet<R>,
    options: { toAttr?: A } = {},
  ) {
    this.prefetchThrough = lookup;
    const parts = lookup.split('__');
    const last = parts[parts.length - 1];
    this.toAttr = options.toAttr && options.toAttr !== last ? options.toAttr : undefined;
    this.prefetchTo = this.toAttr ? [...parts.slice(0, -1), this.toAttr].join('__') : lookup;
  }

  /** @internal the same lookup with a prefix (nested lookups of a Prefetch queryset). */
  prefixed(prefix: string): Prefetch<A, R> {
    const copy = new Prefetch<A, R>(`${prefix}__${this.prefetchThrough}`, this.queryset, { toAttr: this.toAttr });
    return copy;
  }

  currentPrefetchTo(level: number): string {
    return this.prefetchTo.split('__').slice(0, level + 1).join('__');
  }

  /** The attribute that level `level` stores into, and whether it is a toAttr. */
  currentToAttr(level: number): { attr: string; asAttr: boolean } {
    const parts = this.prefetchTo.split('__');
    return { attr: parts[level], asAttr: this.toAttr !== undefined && level === parts.length - 1 };
  }

  currentQueryset(level: number): QuerySet<R> | undefined {
    return level === this.prefetchThrough.split('__').length - 1 ? this.queryset : undefined;
  }
}

export type PrefetchLookup = string | Prefetch<string, any>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The attributes a list of lookups adds through `toAttr`. */
export type ToAttrs<P extends readonly unknown[]> = UnionToIntersection<
  | {}
  | {
      [K in keyof P]: P[K] extends Prefetch<infer A, infer R> ? (string extends A ? {} : { [N in A]: R[] }) : {};
    }[number]
>;

function normalize(lookups: readonly PrefetchLookup[], prefix?: string): Prefetch[] {
  return lookups.map((lookup) => {
    const prefetch = typeof lookup === 'string' ? new Prefetch(lookup) : lookup;
    return prefix ? prefetch.prefixed(prefix) : prefetch;
  });
}

function isFetched(instance: ModelInstance, attr: string, asAttr: boolean): boolean {
  return asAttr ? Object.prototype.hasOwnProperty.call(instance, attr) : hasRelationCache(instance, attr);
}

function cachedValues(instances: ModelInstance[], attr: string): ModelInstance[] {
  const next: ModelInstance[] = [];
  for (const instance of instances) {
    const value = hasRelationCache(instance, attr) ? getRelationCache(instance, attr) : (instance as any)[attr];
    if (Array.isArray(value)) next.push(...value);
    else if (value) next.push(value as ModelInstance);
  }
  return next;
}

/**
 * Prefetches `lookups` onto instances already loaded (Django's
 * prefetch_related_objects). Walks each lookup level by level; a level
 * already loaded (by selectRelated or an earlier lookup) runs no query, so
 * redundant lookups cost nothing.
 *
 * ```ts
 * await prefetchRelatedObjects(articles, { db }, 'tags', 'author__articles');
 * ```
 */
export async function prefetchRelatedObjects(
  instances: ModelInstance[],
  options: { db?: Kysely<any> } | PrefetchLookup,
  ...lookups: PrefetchLookup[]
): Promise<void> {
  if (typeof options === 'string' || options instanceof Prefetch) {
    lookups = [options, ...lookups];
    options = {};
  }
  if (instances.length === 0) return;
  const db = options.db ?? instances[0][ORIGIN]?.db;
  const done = new Map<string, ModelInstance[]>();
  const normalized = normalize(lookups);
  const early = fetchFirstLevels(instances, normalized, db);
  const queue = normalized.reverse();
  while (queue.length) {
    const lookup = queue.pop()!;
    if (done.has(lookup.prefetchTo)) {
      if (lookup.queryset) throw errors.lookupTwice(lookup.prefetchTo);
      continue;
    }
    let objects = instances;
    const through = lookup.prefetchThrough.split('__');
    for (let level = 0; level < through.length; level++) {
      if (objects.length === 0) break;
      const prefetchTo = lookup.currentPrefetchTo(level);
      const seen = done.get(prefetchTo);
      if (seen) {
        objects = seen;
        continue;
      }
      const model = objects[0].model;
      const name = through[level];
      const relation = model.meta.relations[name];
      const { attr, asAttr } = lookup.currentToAttr(level);
      if (!relation) {
        // A plain attribute holding instances (an earlier toAttr) can be walked through.
        if (model.meta.field(name)) throw errors.notPrefetchable(model.name, name, lookup.prefetchThrough);
        if (!objects.every((o) => Object.prototype.hasOwnProperty.call(o, name))) {
          throw errors.prefetchNotFound(model.name, name, lookup.prefetchThrough);
        }
        if (level === through.length - 1) throw errors.notPrefetchable(model.name, name, lookup.prefetchThrough);
        objects = cachedValues(objects, name);
        continue;
      }
      if (asAttr && (model.meta.field(attr) || model.meta.relations[attr])) throw errors.toAttrClash(model.name, attr);
      const toFetch = objects.filter((o) => !isFetched(o, attr, asAttr));
      if (toFetch.length === 0) {
        objects = cachedValues(objects, attr);
        continue;
      }
      const queryset = lookup.currentQueryset(level);
      const ready = level === 0 ? early.get(prefetchTo) : undefined;
      early.delete(prefetchTo);
      try {
        objects = await prefetchOneLevel(toFetch, relation, queryset, attr, asAttr, db, ready && sameItems(ready.parents, toFetch) ? ready : undefined);
      } catch (error) {
        throw error instanceof RowBudgetExceeded ? error.withLookup(prefetchTo) : error;
      }
      done.set(prefetchTo, objects);
      // Lookups of the Prefetch queryset itself run on its results, after it.
      if (queryset?.prefetchLookups.length) {
        for (const extra of normalize(queryset.prefetchLookups, prefetchTo).reverse()) {
          if (!done.has(extra.prefetchTo)) queue.push(extra);
        }
      }
    }
  }
}

/** Runs the query (or one per generic type) for one level and stores the rows on their parents. */
async function prefetchOneLevel(
  parents: ModelInstance[],
  relation: Relation,
  queryset: QuerySet<any> | undefined,
  attr: string,
  asAttr: boolean,
  db: Kysely<any> | undefined,
  ready?: FirstLevel,
): Promise<ModelInstance[]> {
  const toOne = relation.toOne;
  const store = (parent: ModelInstance, rows: ModelInstance[] | undefined) => {
    const value = toOne ? (rows?.[0] ?? null) : (rows ?? []);
    if (asAttr) (parent as any)[attr] = value;
    else setRelationCache(parent, attr, value);
  };
  const batches = ready?.batches ?? levelBatches(parents, relation, queryset, db);
  // Usually one batch holds every parent (all kinds but a generic foreign key):
  // its rows are the level's rows, and no parent can be left without a value.
  const single = batches.length === 1 && batches[0].parents.length === parents.length;
  const assigned = single ? undefined : new Set<ModelInstance>();
  let related: ModelInstance[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i];
    const rows = ready ? (await ready.results)[i]() : await batch.queryset.fetch();
    const byKey = new Map<unknown, ModelInstance[]>();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      const key = row[PARENT_KEY];
      const group = byKey.get(key);
      if (group) group.push(row);
      else byKey.set(key, [row]);
    }
    related = single ? rows : related.concat(rows);
    for (const parent of batch.parents) {
      store(parent, byKey.get(batch.parentKey(parent)));
      assigned?.add(parent);
    }
  }
  if (assigned) for (const parent of parents) if (!assigned.has(parent)) store(parent, undefined);
  return related;
}

/** The batches (one query each) that load `relation` for `parents`, on `db` unless a queryset names its own. */
function levelBatches(parents: ModelInstance[], relation: Relation, queryset: QuerySet<any> | undefined, db: Kysely<any> | undefined): PrefetchBatch[] {
  // The queryset's own lookups run after its level, on its results.
  const base = queryset?.prefetchLookups.length ? queryset.withoutPrefetch() : queryset;
  return relation.prefetchBatches(parents, base).map((batch) => ({ ...batch, queryset: batch.queryset.using(batch.queryset.db ?? db) }));
}

/** The first level of a lookup, queried ahead of its turn. */
interface FirstLevel {
  parents: ModelInstance[];
  batches: PrefetchBatch[];
  results: Promise<Fetched<ModelInstance>[]>;
}

/**
 * The first level of every lookup only depends on the instances: those
 * queries are started together (one round trip through a pipelining
 * connection) before the lookups are walked in order. The walk then uses a
 * level's rows when it reaches it, exactly where it would have queried, so
 * the order of storing, of nested lookups and of errors stays Django's. The
 * first lookup to reach a path owns it, as in the walk. A level the walk would
 * not query (already loaded, not a relation, an error) is not started; a
 * result the walk does not use costs a query and nothing else.
 */
function fetchFirstLevels(instances: ModelInstance[], lookups: readonly Prefetch[], db: Kysely<any> | undefined): Map<string, FirstLevel> {
  const levels = new Map<string, Omit<FirstLevel, 'results'>>();
  const model = instances[0].model;
  for (const lookup of lookups) {
    const prefetchTo = lookup.currentPrefetchTo(0);
    if (levels.has(prefetchTo)) continue;
    const relation = model.meta.relations[lookup.prefetchThrough.split('__')[0]];
    const { attr, asAttr } = lookup.currentToAttr(0);
    if (!relation || (asAttr && (model.meta.field(attr) || model.meta.relations[attr]))) {
      levels.set(prefetchTo, { parents: [], batches: [] });
      continue;
    }
    const parents = instances.filter((o) => !isFetched(o, attr, asAttr));
    levels.set(prefetchTo, { parents, batches: parents.length ? levelBatches(parents, relation, lookup.currentQueryset(0), db) : [] });
  }
  const started = [...levels].filter(([, level]) => level.batches.length > 0);
  if (started.reduce((count, [, level]) => count + level.batches.length, 0) < 2) return new Map();
  // A failure surfaces where the walk uses the result, not here (an unused result fails nobody).
  const all = fetchSideBySide(started.flatMap(([, level]) => level.batches.map((batch) => batch.queryset)));
  all.catch(() => undefined);
  const result = new Map<string, FirstLevel>();
  let offset = 0;
  for (const [prefetchTo, level] of started) {
    const from = offset;
    offset += level.batches.length;
    const results = all.then((fetched) => fetched.slice(from, from + level.batches.length));
    results.catch(() => undefined);
    result.set(prefetchTo, { ...level, results });
  }
  return result;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
