import { type RawBuilder, sql } from 'kysely';
import { errors, OrmError } from '../errors.js';
import type { FilterNode } from '../q.js';
import { getRelationCache, hasRelationCache, type ModelInstance, ORIGIN } from '../instance.js';
import type { FieldKind } from '../fields.js';
import type { Model } from '../model.js';
import type { QuerySet } from '../query-set.js';
import { RelatedManager } from '../related-manager.js';

/**
 * How a related queryset is narrowed to a set of parents: a key expression
 * compared with ONE array parameter (`= any($1::bigint[])`), an optional join
 * (the m2m through table) and an optional extra condition (a generic type).
 * The key expression is also selected, so each row knows its parent.
 */
export interface KeyRestriction {
  keys: readonly unknown[];
  keyColumn: (alias: string) => RawBuilder<unknown>;
  join?: (alias: string) => RawBuilder<unknown>;
  where?: (alias: string) => RawBuilder<unknown>;
  /** The SQL type of the keys (`unnest($1::<type>[])`); bigint unless said. */
  keyType?: string;
  /**
   * Names the SQL that keyColumn, join and where produce (the same for any
   * keys), so a compiled SELECT can be reused; without it, it is not.
   */
  shape?: string;
}

/** See `Relation.correlated`. */
export interface CorrelatedRows {
  from: RawBuilder<unknown>;
  /** The parent key of each row. */
  key: RawBuilder<unknown>;
  /** The SQL type `key` holds the parent's pk in, when not the pk's own (a text object id): compare with `castKey`. */
  keyType?: string;
  where: RawBuilder<unknown>[];
}

/**
 * A parent's primary key `pk` as a key column of `keyType` holds it: the pk
 * cast (`cast("t0"."id" as text)` for a text object id, Django's CharField
 * `object_id`), so the comparison runs in the key column's type and can use
 * its index; unchanged when the types agree.
 */
export function castKey(pk: RawBuilder<unknown>, keyType: string | undefined): RawBuilder<unknown> {
  return keyType === undefined ? pk : sql`cast(${pk} as ${sql.raw(keyType)})`;
}

let relationCount = 0;

/** One query of a prefetch: the rows for `parents`, matched back by key. */
export interface PrefetchBatch {
  queryset: QuerySet<any>;
  parents: ModelInstance[];
  parentKey: (parent: ModelInstance) => unknown;
}

export type RelationFactory = (source: Model<any, any>, name: string) => Relation;

/**
 * What deleting a parent row does to the rows of `target` that this relation
 * points at (Django's Collector). `where` narrows the target's table to the
 * rows of the parents whose pks `parentPks` selects. `inDatabase`: the schema
 * cascades (ON DELETE CASCADE), the ORM only needs to know which rows go;
 * otherwise the ORM deletes them itself (a generic relation has no FK).
 */
export interface DeletionEdge {
  target: Model<any, any>;
  where: (parentPks: RawBuilder<unknown>) => RawBuilder<unknown>;
  inDatabase: boolean;
  /** The SQL type the target's key column holds the parents' pks in, when not theirs (see `castKey`). */
  keyType?: string;
}

/** A change of a many-to-many relation's links: add, remove, replace them all (set) or clear them. */
export type LinkAction = 'add' | 'remove' | 'set' | 'clear';

/**
 * What every relation kind implements, so the prefetch algorithm, the query
 * compiler and the layers above never branch on the kind (Django's
 * prefetcher interface). A kind is described by what it can do, not by a
 * name to switch on: `toOne` (one row or null, else a list that can be
 * counted), `joinable` (loaded by a JOIN, else by queries of its own) and
 * `targets` (one model, or several for a polymorphic relation, below which
 * nothing can be loaded). A new kind is a subclass in its own file.
 */
export abstract class Relation {
  /** At most one related row (`instance.<name>` is a row or null); false: a list, reached through a related manager, countable. */
  abstract readonly toOne: boolean;
  /** Loaded by a JOIN in its source's query (selectRelated, filters across it), through `joinOn`; otherwise by prefetch queries. */
  readonly joinable: boolean = false;
  readonly nullable: boolean = false;
  /** @internal unique per relation: the `shape` of its key restrictions. */
  readonly shapeId = `r${++relationCount}`;

  constructor(
    readonly source: Model<any, any>,
    readonly name: string,
    readonly target: Model<any, any> | undefined,
  ) {}

  /** The models this relation's rows belong to: its target, or each model a polymorphic relation may name. */
  get targets(): readonly Model<any, any>[] {
    return [this.target!];
  }

  /** The JOIN condition of select_related (`target.pk = source.fk`); joinable relations only. */
  joinOn(_sourceAlias: string, _targetAlias: string): RawBuilder<unknown> {
    throw new OrmError(`${this.source.name}.${this.name} cannot be joined: ${this.loadHint()}`);
  }

  /** The key of a parent that this relation's rows are matched on (null: no rows); the pk unless the relation says otherwise. */
  parentKey(parent: ModelInstance): unknown {
    return (parent as any)[this.source.meta.pk];
  }

  /** Narrows a queryset of the target to the given parent keys. */
  abstract restriction(keys: readonly unknown[]): KeyRestriction;

  /**
   * This relation's rows for a correlated subquery or a grouped join (a
   * count): the FROM clause, reading the target as `alias`; the key
   * expression that holds each row's parent key; and the conditions on the
   * rows other than the key. With `targetNeeded` false a kind may leave the
   * target table out (a many-to-many counts its junction rows).
   */
  correlated(alias: string, _targetNeeded: boolean): CorrelatedRows {
    const restriction = this.restriction([]);
    const join = restriction.join ? sql` ${restriction.join(alias)}` : sql``;
    const where = restriction.where ? [restriction.where(alias)] : [];
    return {
      from: sql`${sql.table(this.target!.meta.table)} as ${sql.id(alias)}${join}`,
      key: restriction.keyColumn(alias),
      keyType: restriction.keyType,
      where,
    };
  }

  /**
   * A condition on this relation's source rows: "the related row exists and
   * matches `conditionFor(its model)`", as EXISTS subqueries, so it adds no
   * join and fits any query (a filter, a Prefetch queryset, a count). Only
   * to-one relations have one related row; `conditionFor` may return
   * undefined for a model whose rows all match.
   *
   * ```ts
   * Comment.meta.relations.article.whereRelated(() => toFilterNode({ isPublished: true }))
   * // exists (select 1 from "articles" as "t0_e1" where "t0_e1"."id" = "t0"."article_id" and "t0_e1"."is_published" = $1)
   * ```
   */
  whereRelated(_conditionFor: (target: Model<any, any>) => FilterNode | undefined): FilterNode {
    throw new OrmError(`${this.source.name}.${this.name} is to-many: whereRelated needs a to-one relation`);
  }

  /** True when `other` walks the same link the other way (article.comments and comment.article). */
  isInverseOf(_other: Relation): boolean {
    return false;
  }

  /** The queryset used when a lookup gives none. */
  defaultQueryset(): QuerySet<any> {
    return this.target!.objects;
  }

  /** The queries that load this relation for `parents` (one, or one per generic type). */
  prefetchBatches(parents: ModelInstance[], queryset: QuerySet<any> | undefined): PrefetchBatch[] {
    const keys = uniqueKeys(parents, (parent) => this.parentKey(parent));
    if (keys.length === 0) return [];
    const base = queryset ?? this.defaultQueryset();
    return [{ queryset: base.restrictTo(this.restriction(keys)), parents, parentKey: (p) => this.parentKey(p) }];
  }

  /** A queryset of this relation's rows for one parent (what a related manager runs). */
  querysetFor(parent: ModelInstance): QuerySet<any> {
    const key = this.parentKey(parent);
    const base = this.defaultQueryset().using(parent[ORIGIN]?.session);
    return base.restrictTo(this.restriction(key === null || key === undefined ? [] : [key]));
  }

  /** What `instance.<name>` returns. */
  access(instance: ModelInstance): unknown {
    if (this.toOne) {
      if (hasRelationCache(instance, this.name)) return getRelationCache(instance, this.name);
      throw errors.relationNotLoaded(this.source.name, this.name, this.loadHint());
    }
    return new RelatedManager(instance, this);
  }

  /** What deleting a source row does to this relation's rows; undefined: nothing the ORM must follow. */
  deletionEdge(): DeletionEdge | undefined {
    return undefined;
  }

  /** The field a value assigned to this relation is stored in (`author` → `authorId`); forward FKs only. */
  assignedField(): string | undefined {
    return undefined;
  }

  /**
   * Fields of the source this relation reads to load its rows: loaded whatever
   * `only()` / `defer()` say, so a sparse fieldset never breaks an include
   * (a forward FK's field; a generic foreign key's type and id fields).
   */
  requiredFields(): readonly string[] {
    return this.keyFields();
  }

  /** Fields of the source that hold another row's key (a forward FK's field, a generic foreign key's id field). */
  keyFields(): readonly string[] {
    const field = this.assignedField();
    return field === undefined ? [] : [field];
  }

  /** Values some fields of the source may take (a generic foreign key's type field: its type values). */
  fieldChoices(): Record<string, readonly string[]> {
    return {};
  }

  /**
   * The row a source row with these field values points at, when the
   * database does not check it (no FK): a generic foreign key's target.
   * Undefined: the relation has nothing to check (or the values do not name a row).
   */
  uncheckedTarget(_values: Record<string, unknown>): { model: Model<any, any>; key: unknown } | undefined {
    return undefined;
  }

  /** The one statement that changes the links of `sourceKey` (many-to-many only). */
  linkStatement(action: LinkAction, _sourceKey: unknown, _targetKeys: readonly unknown[]): RawBuilder<unknown> {
    throw new OrmError(`${this.source.name}.${this.name}.${action}() is not supported: add, remove, set and clear work on many-to-many relations`);
  }

  loadHint(): string {
    return this.joinable ? `selectRelated('${this.name}')` : `prefetchRelated('${this.name}')`;
  }
}

export function uniqueKeys(parents: ModelInstance[], keyOf: (parent: ModelInstance) => unknown): unknown[] {
  const keys = new Set<unknown>();
  for (const parent of parents) {
    const key = keyOf(parent);
    if (key !== null && key !== undefined) keys.add(key);
  }
  return [...keys];
}

/**
 * `value` as a key of a field of `kind` (a text object id `'1'` for a numeric
 * primary key is 1), or undefined when it cannot be one (`'abc'` for a number).
 */
export function keyOfKind(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (kind === 'text') return String(value);
  if (kind === 'id' || kind === 'integer') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return value;
}
