import { sql, type RawBuilder } from 'kysely';
import type { CountAggregate } from '../count.js';
import { errors, FieldError } from '../errors.js';
import type { Model } from '../model.js';
import { type Join, JoinSet } from './joins.js';
import { compileFilter, type ResolvedColumn } from './where.js';

/** One annotation compiled into a SELECT: where its value comes from and which instance gets it. */
export interface CompiledAnnotation {
  /** The select_related join whose instance gets the value; undefined for the base model. */
  owner: Join | undefined;
  /** The attribute set on that instance. */
  attr: string;
  column: ResolvedColumn;
}

/** Name of the value column inside each annotation's LATERAL subquery. */
const VALUE = 'n';

function toManyNames(model: Model<any, any>): string[] {
  return Object.values(model.meta.relations)
    .filter((relation) => !relation.toOne)
    .map((relation) => relation.name);
}

/**
 * Compiles `annotate()`'s counts into `cross join lateral (select count(*) ...)`
 * subqueries correlated to their owner's primary key, and registers each
 * value under its annotation name in `joins`, so filters and orderings (a
 * keyset cursor over a count) resolve it like a column. A LATERAL rather than
 * a scalar subquery in the select list: WHERE and ORDER BY can then name the
 * value without computing it again. The subqueries run inside the query that
 * loads the owners: no extra round trip, and under a LIMIT only for the rows returned.
 *
 * ```ts
 * annotate({ commentsCount: Count('comments') })
 * // cross join lateral (select count(*) as "n" from "comments" as "a1" where "a1"."article_id" = "t0"."id") as "t0_a1"
 * ```
 */
export function compileAnnotations(joins: JoinSet, annotations: readonly (readonly [string, CountAggregate])[]): {
  annotations: CompiledAnnotation[];
  laterals: RawBuilder<unknown>;
} {
  const compiled: CompiledAnnotation[] = [];
  const laterals: RawBuilder<unknown>[] = [];
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
    const parentKey = sql.ref(`${ownerAlias}.${model.meta.columnOf(model.meta.pk)}`);
    const alias = `a${i + 1}`;
    const rows = relation.correlated(alias, parentKey, count.filters.length > 0);
    const inner = new JoinSet(relation.target!, alias);
    const where = [...rows.where, ...count.filters.map((filter) => compileFilter(inner, filter))];
    const lateral = `${joins.alias}_a${i + 1}`;
    const subquery = sql`select count(*) as ${sql.id(VALUE)} from ${rows.from} ${inner.toSql()} where ${sql.join(where, sql` and `)}`;
    laterals.push(sql`cross join lateral (${subquery}) as ${sql.id(lateral)}`);
    const qualified = `${lateral}.${VALUE}`;
    const column: ResolvedColumn = { ref: sql.ref(qualified), qualified, kind: 'integer', model, field: attr, nullable: false };
    joins.annotations.set(name, column);
    compiled.push({ owner, attr, column });
  });
  return { annotations: compiled, laterals: sql.join(laterals, sql` `) };
}
