import { sql, type RawBuilder } from 'kysely';
import type { CountAggregate } from '../count.js';
import { errors, FieldError } from '../errors.js';
import type { Model } from '../model.js';
import { castKey } from '../relations/relation.js';
import { type Join, JoinSet } from './joins.js';
import { compileFilter, type ResolvedColumn } from './where.js';

/** One annotation compiled into a SELECT: where its value comes from and which instance gets it. */
export interface CompiledAnnotation {
  name: string;
  /** The select_related join whose instance gets the value; undefined for the base model. */
  owner: Join | undefined;
  /** The attribute set on that instance. */
  attr: string;
  /** The value as a column of its join, LATERAL or grouped (what filters and orderings read). */
  column: ResolvedColumn;
  /** `cross join lateral (<subquery>) as <alias>`: the count of each row's related rows. */
  lateral: RawBuilder<unknown>;
  /** `left join (select key, count(*) ... group by key) as <alias> on ...`: every parent's count in one pass. */
  grouped: RawBuilder<unknown>;
  /** The count as a scalar subquery, selected when nothing else needs the value. */
  scalar: RawBuilder<unknown>;
}

/** Name of the value column inside each annotation's LATERAL subquery. */
const VALUE = 'n';
/** Name of the parent key column of a grouped join. */
const KEY = 'k';

function toManyNames(model: Model<any, any>): string[] {
  return Object.values(model.meta.relations)
    .filter((relation) => !relation.toOne)
    .map((relation) => relation.name);
}

/**
 * Compiles `annotate()`'s counts into `select count(*) ...` subqueries
 * correlated to their owner's primary key, and registers each value under its
 * annotation name in `joins`, so filters and orderings (a keyset cursor over a
 * count) resolve it like a column. The subqueries run inside the query that
 * loads the owners: no extra round trip.
 *
 * A value a filter or an ordering names is read from a join (computed once
 * per row, named by WHERE, ORDER BY and the select list alike): a `cross join
 * lateral` (an index probe per row: best for a few rows, a prefetch's parents or
 * a filtered page) or a grouped `left join` (one pass over the related table:
 * best to sort a whole table by a count; 100,000 comments by their reactions at
 * scale 1: 600 ms of probes); select.ts picks. Any other value is a scalar
 * subquery in the select list, which PostgreSQL evaluates after ORDER BY ...
 * LIMIT (it postpones costly select-list expressions past a sort), so
 * `sort=-counts.comments` counts the tags and reactions of the 50 rows shown,
 * not of every row sorted.
 *
 * ```ts
 * annotate({ commentsCount: Count('comments') }).orderBy('-commentsCount')
 * // cross join lateral (select count(*) as "n" from "comments" as "a1" where "a1"."article_id" = "t0"."id") as "t0_a1"
 * annotate({ commentsCount: Count('comments') })
 * // select ..., (select count(*) as "n" from "comments" as "a1" where "a1"."article_id" = "t0"."id") as "f8"
 * ```
 */
export function compileAnnotations(joins: JoinSet, annotations: readonly (readonly [string, CountAggregate])[]): CompiledAnnotation[] {
  const compiled: CompiledAnnotation[] = [];
  annotations.forEach(([name, count], i) => {
    const parts = name.split('__');
    const attr = parts[parts.length - 1];
    const owner = parts.length > 1 ? joins.walk(parts.slice(0, -1), 'selectRelated') : undefined;
    const model = owner?.model ?? joins.model;
    if (model.meta.field(attr) || model.meta.relations[attr]) {
      throw new FieldError(`The annotation '${name}' conflicts with a field or relation on ${model.name}.`);
    }
    const relation = model.meta.relations[count.relation];
    if (!relation || relation.toOne) {
      throw errors.unknownField(model.name, count.relation, toManyNames(model));
    }
    if (count.querysetModel && count.querysetModel !== relation.target) {
      throw new FieldError(`Count('${count.relation}') on ${model.name}: the queryset is of ${count.querysetModel.name}, not ${relation.target!.name}`);
    }
    const ownerAlias = owner?.alias ?? joins.alias;
    const alias = `a${i + 1}`;
    const rows = relation.correlated(alias, count.filters.length > 0);
    const parentKey = castKey(sql.ref(`${ownerAlias}.${model.meta.columnOf(model.meta.pk)}`), rows.keyType);
    const inner = new JoinSet(relation.target!, alias);
    const conditions = [...rows.where, ...count.filters.map((filter) => compileFilter(inner, filter))];
    const joined = `${joins.alias}_a${i + 1}`;
    const from = sql`from ${rows.from} ${inner.toSql()}`;
    const subquery = sql`select count(*) as ${sql.id(VALUE)} ${from} where ${sql.join([sql`${rows.key} = ${parentKey}`, ...conditions], sql` and `)}`;
    const groupWhere = conditions.length ? sql` where ${sql.join(conditions, sql` and `)}` : sql``;
    const groups = sql`select ${rows.key} as ${sql.id(KEY)}, count(*) as ${sql.id(VALUE)} ${from}${groupWhere} group by ${rows.key}`;
    const qualified = `${joined}.${VALUE}`;
    // A parent without related rows has no group: coalesce makes it 0 (and is a no-op for the LATERAL count).
    const ref = sql`coalesce(${sql.ref(qualified)}, 0)`;
    const column: ResolvedColumn = { ref, qualified, kind: 'integer', model, field: attr, nullable: false };
    joins.annotations.set(name, column);
    compiled.push({
      name,
      owner,
      attr,
      column,
      lateral: sql`cross join lateral (${subquery}) as ${sql.id(joined)}`,
      grouped: sql`left join (${groups}) as ${sql.id(joined)} on ${sql.ref(`${joined}.${KEY}`)} = ${parentKey}`,
      scalar: sql`(${subquery})`,
    });
  });
  return compiled;
}
