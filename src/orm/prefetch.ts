import { errors } from './errors.js';
import { getRelationCache, hasRelationCache, type ModelInstance, ORIGIN, PARENT_KEY, setRelationCache } from './instance.js';
import { QuerySet } from './query-set.js';
import type { PrefetchBatch, Relation } from './relations/relation.js';
import { RowBudgetExceeded } from './row-budget.js';
import type { Session } from './session.js';

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
    this.toAttr = options.toAttr || undefined;
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

/** Told the instances a prefetch started from and the path (`articles__tags`) whose rows were just stored. */
export type PrefetchedHook = (roots: readonly ModelInstance[], path: string) => void;

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

/** One lookup being walked: the instances its next level starts from. */
interface Walker {
  lookup: Prefetch;
  objects: ModelInstance[];
}

/** One query (or one per generic type) of a level, owned by the first lookup that reaches its path. */
interface LevelQuery {
  prefetchTo: string;
  owner: Walker;
  relation: Relation;
  queryset: QuerySet<any> | undefined;
  attr: string;
  asAttr: boolean;
  parents: ModelInstance[];
  batches: PrefetchBatch[];
  /** Walkers of later lookups through the same path: they continue from its rows. */
  sharers: Walker[];
}

/**
 * Prefetches `lookups` onto instances already loaded (Django's
 * prefetch_related_objects), level by level: the queries of every lookup at
 * one depth depend only on the level above, so they are sent together
 * through the session (one round trip on PostgreSQL), then stored in lookup
 * order (which is also the order the row budget is charged in). Django's
 * bookkeeping holds: a path already loaded, by selectRelated or an earlier
 * lookup, runs no query (`done`), the first lookup to reach a path owns it,
 * a lookup with a queryset whose path is already taken is an error, and a
 * Prefetch queryset's own lookups continue from its rows. `onPrefetched` is
 * called after each query's rows are stored; if it throws, nothing further
 * is hydrated or sent.
 *
 * ```ts
 * await prefetchRelatedObjects(articles, { session }, 'tags', 'author__articles');
 * ```
 */
export async function prefetchRelatedObjects(
  instances: ModelInstance[],
  options: { session?: Session; onPrefetched?: PrefetchedHook } | PrefetchLookup,
  ...lookups: PrefetchLookup[]
): Promise<void> {
  if (typeof options === 'string' || options instanceof Prefetch) {
    lookups = [options, ...lookups];
    options = {};
  }
  if (instances.length === 0) return;
  const session = options.session ?? instances[0][ORIGIN]?.session;
  /** Django's done_queries: path → the instances loaded there. */
  const done = new Map<string, ModelInstance[]>();
  let walkers: Walker[] = normalize(lookups).map((lookup) => ({ lookup, objects: instances }));
  for (let level = 0; walkers.length; level++) {
    const queries: LevelQuery[] = [];
    const claimed = new Map<string, LevelQuery>();
    const next: Walker[] = [];
    for (const walker of walkers) {
      const query = planLevel(walker, level, done, claimed);
      if (query === 'shared') continue;
      if (query) {
        claimed.set(query.prefetchTo, query);
        queries.push(query);
      } else {
        next.push(walker);
      }
    }
    const takers = await QuerySet.fetchTogether(
      queries.flatMap((query) => query.batches.map((batch) => batch.queryset)),
      session,
    );
    let taken = 0;
    for (const query of queries) {
      const results = takers.slice(taken, (taken += query.batches.length));
      let related: ModelInstance[];
      try {
        related = storeLevel(query, results.map((take) => take()));
      } catch (error) {
        throw error instanceof RowBudgetExceeded ? error.withLookup(query.prefetchTo) : error;
      }
      done.set(query.prefetchTo, related);
      options.onPrefetched?.(instances, query.prefetchTo);
      for (const walker of [query.owner, ...query.sharers]) {
        walker.objects = related;
        next.push(walker);
      }
      // Lookups of the Prefetch queryset itself continue from its rows.
      if (query.queryset?.prefetchLookups.length) {
        for (const extra of normalize(query.queryset.prefetchLookups, query.prefetchTo)) {
          if (!done.has(extra.prefetchTo)) next.push({ lookup: extra, objects: related });
        }
      }
    }
    walkers = next.filter((walker) => walker.objects.length > 0 && level + 1 < depth(walker.lookup));
  }
}

function depth(lookup: Prefetch): number {
  return lookup.prefetchThrough.split('__').length;
}

/**
 * Level `level` of one lookup: moves the walker on when the path is already
 * loaded (returns undefined), joins a query an earlier lookup owns at this
 * level ('shared'), or plans the query.
 */
function planLevel(walker: Walker, level: number, done: Map<string, ModelInstance[]>, claimed: Map<string, LevelQuery>): LevelQuery | 'shared' | undefined {
  const { lookup, objects } = walker;
  const through = lookup.prefetchThrough.split('__');
  const last = level === through.length - 1;
  const prefetchTo = lookup.currentPrefetchTo(level);
  const seen = done.get(prefetchTo);
  const owner = claimed.get(prefetchTo);
  if ((seen || owner) && last && lookup.queryset) throw errors.lookupTwice(prefetchTo);
  if (seen) {
    walker.objects = seen;
    return undefined;
  }
  if (owner) {
    owner.sharers.push(walker);
    return 'shared';
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
    if (last) throw errors.notPrefetchable(model.name, name, lookup.prefetchThrough);
    walker.objects = cachedValues(objects, name);
    return undefined;
  }
  if (asAttr && (model.meta.field(attr) || model.meta.relations[attr])) throw errors.toAttrClash(model.name, attr);
  const parents = objects.filter((o) => !isFetched(o, attr, asAttr));
  if (parents.length === 0) {
    walker.objects = cachedValues(objects, attr);
    return undefined;
  }
  const queryset = lookup.currentQueryset(level);
  // The queryset's own lookups run after its level, on its results.
  const base = queryset?.prefetchLookups.length ? queryset.withoutPrefetch() : queryset;
  const batches = relation.prefetchBatches(parents, base);
  return { prefetchTo, owner: walker, relation, queryset, attr, asAttr, parents, batches, sharers: [] };
}

/** Stores one level's rows on their parents and gives the rows (the next level's instances). */
function storeLevel(query: LevelQuery, results: ModelInstance[][]): ModelInstance[] {
  const { relation, attr, asAttr, parents, batches } = query;
  const toOne = relation.toOne;
  const store = (parent: ModelInstance, rows: ModelInstance[] | undefined) => {
    const value = toOne ? (rows?.[0] ?? null) : (rows ?? []);
    if (asAttr) (parent as any)[attr] = value;
    else setRelationCache(parent, attr, value);
  };
  // Usually one batch holds every parent (all kinds but a generic foreign key):
  // its rows are the level's rows, and no parent can be left without a value.
  const single = batches.length === 1 && batches[0].parents.length === parents.length;
  const assigned = single ? undefined : new Set<ModelInstance>();
  let related: ModelInstance[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i];
    const rows = results[i];
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
