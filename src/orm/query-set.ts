import { type RawBuilder, sql } from 'kysely';
import type { Annotated, Annotations, CountAggregate } from './count.js';
import { type DeleteResult, deleteWhere } from './collector.js';
import { errors, OrmError } from './errors.js';
import { type ExplainOptions, explainStatement, type QueryPlan } from './explain.js';
import { affectedRows, executeWrite } from './execute-write.js';
import { defaultOf } from './fields.js';
import { applyWrittenRow, fieldValues, instanceValues, saveInstance } from './instance-writes.js';
import { insertMany, updateWhere } from './sql/write.js';
import { hydrate } from './hydrate.js';
import { type FetchMode, ModelInstance } from './instance.js';
import type { Model } from './model.js';
import { prefetchRelatedObjects, type PrefetchedHook, type PrefetchLookup, type ToAttrs } from './prefetch.js';
import { type FilterInput, type FilterNode, Q, toFilterNode } from './q.js';
import type { KeyRestriction } from './relations/relation.js';
import { RowBudgetExceeded } from './row-budget.js';
import type { Session } from './session.js';
import { compileSelect, type CompiledSelect, type SelectSpec } from './sql/select.js';
import { executableSelect } from './sql/select-template.js';

interface QueryState {
  readonly model: Model<any, any>;
  readonly session: Session | undefined;
  readonly filters: readonly FilterNode[];
  readonly ordering: readonly string[] | undefined;
  readonly low: number;
  readonly high: number | undefined;
  readonly only: readonly string[] | undefined;
  readonly defer: readonly string[];
  readonly selectRelated: readonly string[];
  /** selectRelatedIf: path → the condition its joined row must meet (else the relation is null). */
  readonly relatedConditions: readonly (readonly [string, FilterNode])[];
  readonly annotations: readonly (readonly [string, CountAggregate])[];
  readonly prefetch: readonly PrefetchLookup[];
  readonly restriction: KeyRestriction | undefined;
  readonly fetchMode: FetchMode | undefined;
  /** Rows already known (a prefetched relation): evaluating runs no query. */
  readonly resultCache: readonly ModelInstance[] | undefined;
  /** Select each row's version (xmin) too. */
  readonly version: boolean;
  /** Lock the rows read: `for update`, or `for key share` (as a foreign key does). */
  readonly lock: 'update' | 'key share' | undefined;
  /** Called after each prefetch query's rows are stored (`onPrefetched`). */
  readonly onPrefetched: PrefetchedHook | undefined;
}

/**
 * Empties a driver's row array once its rows are hydrated. Under load V8
 * pretenures the array (allocation-site pretenuring: it sees most such arrays
 * survive a minor GC, since they live across a round trip), so it sits in the
 * old generation, where every row it points to counts as live for each minor GC
 * until the next full one. Measured on the benchmark's scenario 1 with
 * --trace-gc-nvp: 300 MB promoted in 10 s with the rows left in place, 21 MB
 * with the array emptied; GC pauses 1084 → 451 ms.
 */
function releaseRows(rows: unknown[]): void {
  rows.length = 0;
}

/**
 * What a session's next statements may deliver: the rest of its row budget
 * plus one row (one past it is how a statement shows it is over). Each
 * statement's SQL asks for the whole budget plus one (a constant LIMIT, so
 * one text and one plan serve every request); this limit, sent beside the
 * statement (Execute's row count on PostgreSQL), stops the server at what
 * the budget can still take, so the level that goes over ships and parses
 * only up to there instead of up to the whole budget. Undefined before the
 * first rows are charged (the LIMIT already says as much) or without a budget.
 * A statement cut short delivers exactly this many rows, which its take
 * (charging at least what was used when it was sent) always refuses.
 */
function rowsLeft(session: Session): number | undefined {
  const budget = session.budget;
  return budget && budget.used > 0 ? Math.max(1, budget.limit - budget.used + 1) : undefined;
}

/** One SELECT ready to send, and how to turn its rows into instances (charging the row budget). */
interface PlannedSelect {
  session: Session | undefined;
  query: ReturnType<typeof executableSelect>['query'] | undefined;
  take(rows: Record<string, unknown>[]): ModelInstance[];
}

/** A page of rows and whether rows follow it (see `QuerySet.page`). */
export interface Page<T> {
  rows: T[];
  hasNext: boolean;
}

/**
 * An immutable, lazy, awaitable query. Every method returns a new QuerySet;
 * `await qs` runs it (plus one query per prefetched relation) through its
 * session and gives instances.
 *
 * ```ts
 * const articles = await Article.objects.using(session)
 *   .filter({ isPublished: true }).orderBy('-pubDate').slice(0, 10)
 *   .selectRelated('author').prefetchRelated('tags');
 * // select ... from "articles" as "t0" inner join "authors" as "t0_1" on ... where ("t0"."is_published" = $1)
 * //   order by "t0"."pub_date" desc nulls last, "t0"."id" asc limit $2
 * // select ..., "t0_through"."article_id" as "__pk" from "tags" as "t0" inner join "article_tags" ... where ... = any($1::bigint[])
 * ```
 */
export class QuerySet<T extends ModelInstance = ModelInstance> implements PromiseLike<T[]> {
  readonly #state: QueryState;

  private constructor(state: QueryState) {
    this.#state = state;
  }

  /** @internal */
  static of<T extends ModelInstance>(model: Model<any, any>, session: Session | undefined): QuerySet<T> {
    return new QuerySet<T>({
      model,
      session,
      filters: [],
      ordering: undefined,
      low: 0,
      high: undefined,
      only: undefined,
      defer: [],
      selectRelated: [],
      relatedConditions: [],
      annotations: [],
      prefetch: [],
      restriction: undefined,
      fetchMode: undefined,
      resultCache: undefined,
      version: false,
      lock: undefined,
      onPrefetched: undefined,
    });
  }

  /**
   * @internal The one way a SELECT runs: each queryset is compiled (its LIMIT
   * capped at its session's row budget + 1), the queries of one session
   * are sent together (one round trip on PostgreSQL), and each result is
   * taken (charged to the budget, hydrated) when the caller calls its taker,
   * so the budget is charged in the caller's order.
   */
  static async fetchTogether(querysets: readonly QuerySet<any>[], fallback?: Session): Promise<(() => ModelInstance[])[]> {
    const planned = querysets.map((queryset) => queryset.#plan(fallback));
    const bySession = new Map<Session, PlannedSelect[]>();
    for (const plan of planned) {
      if (!plan.query) continue;
      const group = bySession.get(plan.session!);
      if (group) group.push(plan);
      else bySession.set(plan.session!, [plan]);
    }
    const rows = new Map<PlannedSelect, Record<string, unknown>[]>();
    await Promise.all(
      [...bySession].map(async ([session, plans]) => {
        const results = await session.executeTogether(plans.map((plan) => plan.query!), { maxRows: rowsLeft(session) });
        plans.forEach((plan, i) => rows.set(plan, results[i].rows as Record<string, unknown>[]));
      }),
    );
    return planned.map((plan) => () => plan.take(rows.get(plan) ?? []));
  }

  #with<U extends ModelInstance = T>(changes: Partial<QueryState>): QuerySet<U> {
    return new QuerySet<U>({ ...this.#state, resultCache: undefined, ...changes });
  }

  get model(): Model<any, any> {
    return this.#state.model;
  }

  /** The session this queryset runs on (`using(session)`), if any. */
  get session(): Session | undefined {
    return this.#state.session;
  }

  /** The lookups given to prefetchRelated, for the prefetcher. @internal */
  get prefetchLookups(): readonly PrefetchLookup[] {
    return this.#state.prefetch;
  }

  /** @internal the filters given (what a `Count` over this queryset counts by). */
  get filterNodes(): readonly FilterNode[] {
    return this.#state.filters;
  }

  get isSliced(): boolean {
    return this.#state.low > 0 || this.#state.high !== undefined;
  }

  /** Runs on `session`: its connection, snapshot or transaction, capture and row budget. */
  using(session: Session | undefined): QuerySet<T> {
    return new QuerySet<T>({ ...this.#state, session });
  }

  /** A copy that evaluates again (Django's `all()`); a cached relation stays cached. */
  all(): QuerySet<T> {
    return new QuerySet<T>(this.#state);
  }

  /** Rows matching every lookup: `filter({ isPublished: true, author__name__icontains: 'ann' })`. */
  filter(...conditions: FilterInput[]): QuerySet<T> {
    this.#assertNotSliced('filter');
    return this.#with({ filters: [...this.#state.filters, ...conditions.map(toFilterNode)] });
  }

  /** Rows not matching: `exclude({ categoryId: null })` (a NULL condition counts as not matching). */
  exclude(...conditions: FilterInput[]): QuerySet<T> {
    this.#assertNotSliced('exclude');
    return this.#with({ filters: [...this.#state.filters, Q.not(Q.and(...conditions))] });
  }

  /**
   * `orderBy('-pubDate', 'id')`: '-' for descending; NULLs sort last either
   * way and the primary key breaks remaining ties. With no arguments the
   * model's default ordering applies.
   */
  orderBy(...fields: string[]): QuerySet<T> {
    return this.#with({ ordering: fields });
  }

  /** Python's `qs[low:high]`; inside a Prefetch it applies to each parent separately. */
  slice(low: number, high?: number): QuerySet<T> {
    if (low < 0 || (high !== undefined && high < 0)) throw errors.negativeSlice();
    const base = this.#state;
    const newLow = base.low + low;
    let newHigh = high === undefined ? base.high : base.low + high;
    if (base.high !== undefined && newHigh !== undefined) newHigh = Math.min(newHigh, base.high);
    return this.#with({ low: newLow, high: newHigh === undefined ? undefined : Math.max(newHigh, newLow) });
  }

  /** Loads only these fields (plus the pk and FK fields); `author__name` limits a joined model. */
  only(...fields: string[]): QuerySet<T> {
    return this.#with({ only: fields });
  }

  /** Loads every field but these. */
  defer(...fields: string[]): QuerySet<T> {
    return this.#with({ defer: [...this.#state.defer, ...fields] });
  }

  /** Loads to-one relations in the same query with JOINs: `selectRelated('author', 'comments__author')`. */
  selectRelated(...paths: string[]): QuerySet<T> {
    return this.#with({ selectRelated: [...new Set([...this.#state.selectRelated, ...paths])] });
  }

  /**
   * Adds a computed value to every row, Django's `annotate()`: a count of a
   * to-many relation (reverse FK, many-to-many, generic relation), optionally
   * filtered, computed by a subquery in the query that loads the rows (no extra
   * query). Filters and orderings can name it. A name `author__n` puts the value
   * on the select_related `author` instead (as `only('author__name')` scopes a field).
   *
   * ```ts
   * const articles = await Article.objects.using(session)
   *   .annotate({ commentsCount: Count('comments'), activeTags: Count('tags', { filter: { active: true } }) })
   *   .orderBy('-commentsCount');
   * articles[0].commentsCount; // number
   * // select ..., "t0_a1"."n" as "f8", "t0_a2"."n" as "f9" from "articles" as "t0"
   * //   cross join lateral (select count(*) as "n" from "comments" as "a1" where "a1"."article_id" = "t0"."id") as "t0_a1"
   * //   cross join lateral (select count(*) as "n" from "tags" as "a2" inner join "article_tags" as "a2_through" on ...
   * //     where "a2_through"."article_id" = "t0"."id" and ("a2"."active" = $1)) as "t0_a2"
   * //   order by "t0_a1"."n" desc, "t0"."id" asc
   * ```
   */
  annotate<A extends Annotations>(annotations: A): QuerySet<T & Annotated<A>> {
    const known = new Set(this.#state.annotations.map(([name]) => name));
    for (const name of Object.keys(annotations)) {
      if (known.has(name)) throw new OrmError(`The annotation '${name}' is given twice.`);
    }
    return this.#with<T & Annotated<A>>({ annotations: [...this.#state.annotations, ...Object.entries(annotations)] });
  }

  /**
   * `selectRelated(path)`, but the joined row is kept only when it meets the
   * conditions; elsewhere the relation reads `null`, as a missing row would
   * (the JOIN becomes a LEFT JOIN with the condition in its ON clause). The
   * conditions name the joined model's own fields; to reach further, use
   * `Q.exists` with `OuterRef`.
   *
   * ```ts
   * Comment.objects.selectRelatedIf('article', { isPublished: true })
   * // left join "articles" as "t0_1" on "t0_1"."id" = "t0"."article_id" and ("t0_1"."is_published" = $1)
   * ```
   */
  selectRelatedIf(path: string, ...conditions: FilterInput[]): QuerySet<T> {
    const condition = Q.and(...conditions);
    return this.#with({
      selectRelated: [...new Set([...this.#state.selectRelated, path])],
      relatedConditions: [...this.#state.relatedConditions, [path, condition]],
    });
  }

  /** Loads relations with one extra query each: strings (`'author__articles'`) or `Prefetch` objects. */
  prefetchRelated<P extends PrefetchLookup[]>(...lookups: P): QuerySet<T & ToAttrs<P>> {
    return this.#with<T & ToAttrs<P>>({ prefetch: [...this.#state.prefetch, ...lookups] });
  }

  /**
   * Calls `hook(roots, path)` each time a prefetch query's rows are stored on
   * their parents: before the rows of the level's next query are hydrated and
   * before the next level is sent. A hook that throws stops the work there,
   * e.g. once the tree loaded so far is already too large to answer (loom's
   * response budget, src/serializers/response-budget.ts).
   *
   * ```ts
   * await Tag.objects.using(session).prefetchRelated('articles__tags').onPrefetched((tags, path) => check(tags, path));
   * // hook(tags, 'articles') after the articles query, hook(tags, 'articles__tags') after the next
   * ```
   */
  onPrefetched(hook: PrefetchedHook): QuerySet<T> {
    return this.#with({ onPrefetched: hook });
  }

  /** What touching an unloaded relation on the results does: 'raise', 'one' or 'peers' (default: the session's). */
  fetchMode(mode: FetchMode): QuerySet<T> {
    return this.#with({ fetchMode: mode });
  }

  /** Also reads each row's version (PostgreSQL's `xmin`, see `versionOf(instance)`): it changes with every write of the row. */
  withVersion(): QuerySet<T> {
    return this.#with({ version: true });
  }

  /** Locks the rows read until the transaction ends: `select … for update of "t0"` (Django's select_for_update). */
  selectForUpdate(): QuerySet<T> {
    return this.#with({ lock: 'update' });
  }

  /**
   * Locks the rows read as a foreign key pointing at them does (`for key share`):
   * until the transaction ends they cannot be deleted, while updates of other
   * columns go on. For a reference the database does not check (a generic foreign key).
   */
  selectForKeyShare(): QuerySet<T> {
    return this.#with({ lock: 'key share' });
  }

  /** @internal narrows to a set of parents (the prefetcher and related managers). */
  restrictTo(restriction: KeyRestriction): QuerySet<T> {
    return this.#with({ restriction });
  }

  /** @internal the same query without its prefetch lookups (the prefetcher runs them). */
  withoutPrefetch(): QuerySet<T> {
    return this.#with({ prefetch: [] });
  }

  /** @internal a queryset whose rows are already known. */
  withResultCache(rows: readonly ModelInstance[]): QuerySet<T> {
    return new QuerySet<T>({ ...this.#state, resultCache: rows });
  }

  #assertNotSliced(method: string): void {
    if (this.isSliced) throw new OrmError(`Cannot ${method} a query once a slice has been taken.`);
  }

  /** @internal */
  compile(maxRows?: number): CompiledSelect {
    return compileSelect(this.#spec(maxRows));
  }

  #spec(maxRows: number | undefined): SelectSpec {
    const s = this.#state;
    return {
      model: s.model,
      filters: s.filters,
      ordering: s.ordering ?? s.model.meta.ordering,
      low: s.low,
      high: s.high,
      only: s.only,
      defer: s.defer,
      selectRelated: s.selectRelated,
      relatedConditions: s.relatedConditions,
      annotations: s.annotations,
      restriction: s.restriction,
      maxRows,
      version: s.version,
      lock: s.lock,
    };
  }

  /** The SQL and parameters this queryset runs (its first query), compiled by its session's builder. */
  toSql(): { sql: string; parameters: readonly unknown[] } {
    const compiled = this.compile().query.compile(this.#requireSession().db);
    return { sql: compiled.sql, parameters: compiled.parameters };
  }

  /**
   * PostgreSQL's plan of this queryset's query (without its prefetches), as
   * JSON: Django's `explain()`. With `analyze: true` the query runs and the plan
   * carries actual times and rows. Run through the session, not captured.
   *
   * ```ts
   * const plan = await Article.objects.using(session).filter({ authorId: 3 }).explain();
   * plan.Plan['Node Type'] // 'Bitmap Heap Scan' ... indexesOf(plan) // ['articles_author_id_pub_date_idx']
   * ```
   */
  async explain(options: ExplainOptions = {}): Promise<QueryPlan> {
    const { sql, parameters } = this.toSql();
    return explainStatement(this.#requireSession(), sql, parameters, options);
  }

  #requireSession(fallback?: Session): Session {
    const session = this.#state.session ?? fallback;
    if (!session) throw errors.noSession(this.#state.model.name);
    return session;
  }

  #plan(fallback: Session | undefined): PlannedSelect {
    const cached = this.#state.resultCache;
    const restriction = this.#state.restriction;
    if (cached || (restriction && restriction.keys.length === 0)) {
      const known = [...(cached ?? [])];
      return { session: undefined, query: undefined, take: () => known };
    }
    const session = this.#requireSession(fallback);
    const budget = session.budget;
    // Every statement asks for at most the whole budget plus one row: a constant,
    // so one text (and one prepared statement) serves every request of a shape.
    const compiled = executableSelect(this.#spec(budget ? budget.limit + 1 : undefined), session.db);
    const fetchMode = this.#state.fetchMode ?? session.fetchMode;
    return {
      session,
      query: compiled.query,
      take: (rows) => {
        if (budget) {
          budget.used += rows.length;
          if (budget.used > budget.limit) {
            // Refused rows are dropped now rather than left live until the array is collected.
            releaseRows(rows);
            throw new RowBudgetExceeded(budget.limit, undefined);
          }
        }
        const instances = hydrate(compiled, rows, { session, peers: [], fetchMode });
        releaseRows(rows);
        return instances;
      },
    };
  }

  /** Runs the query and its prefetches. */
  async fetch(): Promise<T[]> {
    if (this.#state.resultCache) return [...this.#state.resultCache] as T[];
    const [take] = await QuerySet.fetchTogether([this]);
    const instances = take() as T[];
    if (this.#state.prefetch.length && instances.length) {
      await prefetchRelatedObjects(instances, { session: this.#state.session, onPrefetched: this.#state.onPrefetched }, ...this.#state.prefetch);
    }
    return instances;
  }

  /**
   * One page of `size` rows from the queryset's start, and whether more
   * follow: the query asks for one look-ahead row, and the prefetches run
   * for the page's rows only. With `segments` (keyset pagination in forms an
   * index can bound), the rows come from each condition in turn, the next
   * one queried only when the earlier ones ran short of `size + 1` rows.
   *
   * ```ts
   * const { rows, hasNext } = await Article.objects.using(session).orderBy('-pubDate').prefetchRelated('tags').page(20);
   * ```
   */
  async page(size: number, options: { segments?: readonly FilterInput[] } = {}): Promise<Page<T>> {
    const base = this.withoutPrefetch();
    const wanted = size + 1;
    let all: T[] = [];
    if (!options.segments) {
      all = await base.slice(0, wanted).fetch();
    } else {
      for (const segment of options.segments) {
        all = all.concat(await base.filter(segment).slice(0, wanted - all.length).fetch());
        if (all.length >= wanted) break;
      }
    }
    const rows = all.slice(0, size);
    if (this.#state.prefetch.length && rows.length) {
      await prefetchRelatedObjects(rows, { session: this.#state.session, onPrefetched: this.#state.onPrefetched }, ...this.#state.prefetch);
    }
    return { rows, hasNext: all.length > size };
  }

  then<R1 = T[], R2 = never>(
    onfulfilled?: ((value: T[]) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.fetch().then(onfulfilled, onrejected);
  }

  /** Synchronous iteration, only over rows already loaded (a prefetched relation). */
  *[Symbol.iterator](): Iterator<T> {
    const cache = this.#state.resultCache;
    if (!cache) throw errors.syncIterationOfUnfetched(this.#state.model.name);
    yield* cache as T[];
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.fetch();
  }

  /** The loaded rows as an array (sync; only for an evaluated queryset). */
  toArray(): T[] {
    return [...this];
  }

  /**
   * Streams the rows in chunks, running the prefetches once per chunk, so
   * memory stays bounded. Ordered by pk, chunks use keyset pagination.
   */
  async *iterator(options: { chunkSize?: number } = {}): AsyncGenerator<T> {
    const chunkSize = options.chunkSize ?? 2000;
    const s = this.#state;
    const pk = s.model.meta.pk;
    const ordering = s.ordering ?? s.model.meta.ordering;
    const byPk = ordering.length === 0 || (ordering.length === 1 && ordering[0] === pk);
    if (byPk && !this.isSliced) {
      let last: unknown;
      for (;;) {
        const base = last === undefined ? this : this.filter({ [`${pk}__gt`]: last });
        const rows = await base.orderBy(pk).slice(0, chunkSize).fetch();
        yield* rows;
        if (rows.length < chunkSize) return;
        last = (rows[rows.length - 1] as any)[pk];
      }
    }
    for (let offset = 0; ; offset += chunkSize) {
      const end = s.high === undefined ? offset + chunkSize : Math.min(offset + chunkSize, s.high - s.low);
      if (end <= offset) return;
      const rows = await this.slice(offset, end).fetch();
      yield* rows;
      if (rows.length < end - offset) return;
    }
  }

  /** Exactly one row matching the lookups, or DoesNotExist / MultipleObjectsReturned. */
  async get(...conditions: FilterInput[]): Promise<T> {
    const qs = conditions.length ? this.filter(...conditions) : this;
    const rows = await qs.slice(0, 21).fetch();
    if (rows.length === 0) throw errors.doesNotExist(this.#state.model.name);
    if (rows.length > 1) throw errors.multipleReturned(this.#state.model.name, rows.length > 20 ? 'more than 20' : String(rows.length));
    return rows[0];
  }

  /**
   * The first row in the queryset's order (pk when unordered), or null. On
   * rows already loaded (a prefetched `.all()`) it is the first of them, with
   * no query, as in Django.
   */
  async first(): Promise<T | null> {
    const cache = this.#state.resultCache;
    if (cache) return (cache[0] as T | undefined) ?? null;
    const rows = await this.slice(0, 1).fetch();
    return rows[0] ?? null;
  }

  /**
   * The last row in the queryset's order, or null. On rows already loaded
   * (a prefetched `.all()`) it is the last of them, with no query. Otherwise
   * it counts and then loads that row (two queries: reversing the order
   * would move NULLs, which sort last in both directions).
   */
  async last(): Promise<T | null> {
    const cache = this.#state.resultCache;
    if (cache) return (cache[cache.length - 1] as T | undefined) ?? null;
    const count = await this.count();
    if (count === 0) return null;
    const rows = await this.slice(count - 1, count).fetch();
    return rows[0] ?? null;
  }

  /**
   * Inserts one row and returns it as an instance (defaults and id filled in).
   *
   * ```ts
   * await Tag.objects.using(session).create({ name: 'orm' });
   * // insert into "tags" ("name") values ($1) returning "id" as "id", "name" as "name", "active" as "active", xmin::text as "__version"
   * ```
   */
  async create(values: Record<string, unknown>): Promise<T> {
    const instance = new this.#state.model.Instance() as T;
    Object.assign(instance, fieldValues(this.#state.model, values));
    return saveInstance(instance, { using: this.#requireSession(), forceInsert: true });
  }

  /**
   * Inserts many rows in ONE statement (one array parameter per column, so no
   * 65,535-parameter limit) and returns them as instances with their ids, in
   * the order given. Instances given are filled in place, as Django does.
   * A field some rows leave out takes its declared default there.
   *
   * ```ts
   * await Tag.objects.using(session).bulkCreate([{ name: 'a' }, { name: 'b', active: false }]);
   * // insert into "tags" ("name", "active") select "u"."c0", "u"."c1" from unnest($1::text[], $2::boolean[]) as u("c0", "c1") returning …
   * ```
   */
  async bulkCreate(rows: readonly (Record<string, unknown> | T)[]): Promise<T[]> {
    if (rows.length === 0) return [];
    const model = this.#state.model;
    const session = this.#requireSession();
    const instances = rows.map((row) => (row instanceof ModelInstance ? row : Object.assign(new model.Instance(), fieldValues(model, row))) as T);
    const values = instances.map(instanceValues);
    const pk = model.meta.pk;
    const names = [...new Set(values.flatMap((v) => Object.keys(v)))].filter((name) => name !== pk || values.every((v) => v[pk] != null));
    if (names.length === 0) throw new OrmError(`bulkCreate on ${model.name} needs at least one field value`);
    for (const row of values) for (const name of names) if (!(name in row)) row[name] = defaultOf(model.meta.fields[name]);
    const { rows: written } = await executeWrite(session, insertMany(model, names, values));
    written.forEach((row, i) => applyWrittenRow(instances[i], row, session));
    return instances;
  }

  /**
   * Sets fields on every matching row in one UPDATE; returns how many rows
   * matched. Instances already loaded are not changed (as in Django).
   *
   * ```ts
   * await Article.objects.using(session).filter({ authorId: 3 }).update({ isPublished: false });
   * // update "articles" set "is_published" = $1 where "id" in (select "x"."f0" from (select … where "t0"."author_id" = $2 …) as "x")
   * ```
   */
  async update(values: Record<string, unknown>): Promise<number> {
    this.#assertNotSliced('update');
    const model = this.#state.model;
    const fields = fieldValues(model, values);
    if (Object.keys(fields).length === 0) return 0;
    const result = await executeWrite(this.#requireSession(), updateWhere(model, fields, this.#pkIn(), false));
    return affectedRows(result);
  }

  /**
   * Deletes every matching row, with what cascades from them (see
   * collector.ts): Django's `(total, per model)` counts.
   *
   * ```ts
   * await Article.objects.using(session).filter({ id: 1 }).delete(); // { total: 4, perModel: { Article: 1, Comment: 2, Reaction: 1 } }
   * ```
   */
  async delete(): Promise<DeleteResult> {
    this.#assertNotSliced('delete');
    return deleteWhere(this.#requireSession(), this.#state.model, this.#pkIn());
  }

  /** `"id" in (select … the queryset's rows …)`: the rows a bulk write acts on. */
  #pkIn(): RawBuilder<unknown> {
    const meta = this.#state.model.meta;
    if (this.#state.filters.length === 0 && !this.#state.restriction) return sql`true`;
    const { query, nodes } = compileSelect({ ...this.#spec(undefined), ordering: [], version: false, lock: undefined });
    return sql`${sql.ref(meta.columnOf(meta.pk))} in (select ${sql.ref(`x.${nodes[0].pkAlias}`)} from (${query}) as x)`;
  }

  async count(): Promise<number> {
    if (this.#state.resultCache) return this.#state.resultCache.length;
    const { query } = this.compile();
    const { rows } = await this.#requireSession().execute(sql<{ count: number }>`select count(*) as count from (${query}) as c`);
    return Number(rows[0].count);
  }

  async exists(): Promise<boolean> {
    if (this.#state.resultCache) return this.#state.resultCache.length > 0;
    const { query } = this.slice(0, 1).compile();
    const { rows } = await this.#requireSession().execute(sql`select 1 as one from (${query}) as e`);
    return rows.length > 0;
  }
}
