import { sql, type RawBuilder } from 'kysely';
import { errors, FieldError } from '../errors.js';
import type { FieldKind } from '../fields.js';
import { ModelInstance } from '../instance.js';
import type { Model } from '../model.js';
import { type FilterNode, OuterRef } from '../q.js';
import { castKey } from '../relations/relation.js';
import type { JoinSet } from './joins.js';

export const LOOKUPS = ['exact', 'in', 'gt', 'gte', 'lt', 'lte', 'isnull', 'contains', 'icontains', 'startswith'] as const;
type Lookup = (typeof LOOKUPS)[number];
const LOOKUP_SET = new Set<string>(LOOKUPS);

/** PostgreSQL array type for an `in` list bound as one parameter. */
export const ARRAY_TYPE: Record<FieldKind, string> = {
  id: 'bigint[]',
  integer: 'bigint[]',
  text: 'text[]',
  boolean: 'boolean[]',
  timestamp: 'timestamptz[]',
};

export interface ResolvedColumn {
  ref: RawBuilder<unknown>;
  /** `<table alias>.<column>`, the ref's text. */
  qualified: string;
  kind: FieldKind;
  model: Model<any, any>;
  field: string;
  /** The column can read NULL: a nullable field, or one reached through a LEFT JOIN. */
  nullable: boolean;
}

/**
 * Resolves `author__name` (relations, then a field) to a column, joining
 * what it walks. A trailing joinable relation means its FK (`author` = authorId)
 * and `pk` means the primary key.
 */
export function resolveColumn(joins: JoinSet, parts: readonly string[]): ResolvedColumn {
  const annotation = joins.annotations.size ? joins.annotation(parts.join('__')) : undefined;
  if (annotation) return annotation;
  let relationParts = parts.slice(0, -1);
  let fieldName = parts[parts.length - 1];
  let join = joins.walk(relationParts, 'filter');
  let model = join?.model ?? joins.model;
  if (fieldName === 'pk') fieldName = model.meta.pk;
  if (!model.meta.field(fieldName)) {
    const key = model.meta.relations[fieldName]?.joinable ? model.meta.relations[fieldName].assignedField() : undefined;
    if (key !== undefined) {
      fieldName = key;
    } else {
      throw errors.unknownField(model.name, fieldName, [...model.meta.fieldNames, ...Object.keys(model.meta.relations)]);
    }
  }
  const qualified = `${join?.alias ?? joins.alias}.${model.meta.columnOf(fieldName)}`;
  return {
    ref: sql.ref(qualified),
    qualified,
    kind: model.meta.fields[fieldName].kind,
    model,
    field: fieldName,
    nullable: (join?.left ?? false) || model.meta.fields[fieldName].nullable,
  };
}

function splitLookup(joins: JoinSet, key: string): { column: ResolvedColumn; lookup: Lookup } {
  const parts = key.split('__');
  const last = parts[parts.length - 1];
  if (parts.length > 1 && LOOKUP_SET.has(last)) {
    return { column: resolveColumn(joins, parts.slice(0, -1)), lookup: last as Lookup };
  }
  try {
    return { column: resolveColumn(joins, parts), lookup: 'exact' };
  } catch (error) {
    // `title__foo`: a real field followed by an unknown lookup reads better than "no field foo".
    if (parts.length > 1) {
      const column = tryResolve(joins, parts.slice(0, -1));
      if (column) throw errors.unknownLookup(column.model.name, column.field, last, LOOKUPS);
    }
    throw error;
  }
}

function tryResolve(joins: JoinSet, parts: readonly string[]): ResolvedColumn | undefined {
  try {
    return resolveColumn(joins, parts);
  } catch {
    return undefined;
  }
}

function plain(value: unknown): unknown {
  return value instanceof ModelInstance ? (value as any)[value.model.meta.pk] : value;
}

function escapeLike(value: unknown): string {
  return String(value).replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * What a lookup binds, in order, and the shape of its SQL: the part of the
 * SQL text its value decides (`= $1` or `is null`, `= any($1)` or `false`).
 * compileFilter and filterBinds both build on it, so a compiled filter's
 * parameters can be refilled from new values of the same shape.
 */
function lookupBinds(lookup: Lookup, raw: unknown): { shape: string; values: unknown[] } {
  const value = plain(raw);
  switch (lookup) {
    case 'exact':
      return value === null || value === undefined ? { shape: 'null', values: [] } : { shape: '=', values: [value] };
    case 'in': {
      const list = [...(value as Iterable<unknown>)].map(plain);
      return list.length === 0 ? { shape: 'none', values: [] } : { shape: 'in', values: [list] };
    }
    case 'isnull':
      return { shape: value ? 'null' : 'notnull', values: [] };
    case 'contains':
    case 'icontains':
      return { shape: lookup, values: [`%${escapeLike(value)}%`] };
    case 'startswith':
      return { shape: lookup, values: [`${escapeLike(value)}%`] };
    default:
      return { shape: lookup, values: [value] };
  }
}

const COMPARISONS: Partial<Record<Lookup, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=', contains: 'like', icontains: 'ilike', startswith: 'like' };

function condition(column: ResolvedColumn, lookup: Lookup, raw: unknown, param: BindFilterValue): RawBuilder<unknown> {
  const ref = column.ref;
  const { shape, values } = lookupBinds(lookup, raw);
  switch (shape) {
    case 'null':
      return sql`${ref} is null`;
    case 'notnull':
      return sql`${ref} is not null`;
    case 'none':
      return sql`false`;
    case '=':
      return sql`${ref} = ${param(values[0])}`;
    case 'in':
      return sql`${ref} = any(${param(values[0])}::${sql.raw(ARRAY_TYPE[column.kind])})`;
    default:
      return sql`${ref} ${sql.raw(COMPARISONS[lookup]!)} ${param(values[0])}`;
  }
}

/** How a filter value is bound: itself, or a marker of a reusable template (select-template.ts). */
export type BindFilterValue = (value: unknown) => unknown;

const bindItself: BindFilterValue = (value) => value;

/** The lookup a filter key names (`title__icontains` → icontains; `title` → exact). */
function lookupOf(parts: readonly string[]): Lookup {
  const last = parts[parts.length - 1];
  return parts.length > 1 && LOOKUP_SET.has(last) ? (last as Lookup) : 'exact';
}

/**
 * The shape of filters' SQL (what their values decide in it) and the values
 * they bind, in the order compileFilter binds them: without building SQL, so
 * a compiled query of the same shape can be reused with these values.
 */
export function filterBinds(nodes: readonly FilterNode[]): { shape: string; values: unknown[] } {
  const values: unknown[] = [];
  const walk = (node: FilterNode): string => {
    switch (node.kind) {
      case 'lookups':
        return `{${Object.entries(node.lookups)
          .map(([key, value]) => {
            if (value instanceof OuterRef) return `${key}:outer(${value.field})`;
            const binds = lookupBinds(lookupOf(key.split('__')), value);
            values.push(...binds.values);
            return `${key}:${binds.shape}`;
          })
          .join(',')}}`;
      case 'and':
      case 'or':
        return `${node.kind}(${node.children.map(walk).join(',')})`;
      case 'not':
        return `not(${walk(node.child)})`;
      case 'row':
        values.push(...node.values.map(plain));
        return `row(${node.fields.join(',')}${node.op})`;
      case 'exists':
        return `exists(${node.model.name}:${node.filters.map(walk).join(';')})`;
    }
  };
  const shape = nodes.map(walk).join(';');
  return { shape, values };
}

/** Compiles a filter tree to SQL, joining the relations it walks; `param` binds each value (filterBinds' order). */
export function compileFilter(joins: JoinSet, node: FilterNode, param: BindFilterValue = bindItself): RawBuilder<unknown> {
  switch (node.kind) {
    case 'lookups': {
      const parts = Object.entries(node.lookups).map(([key, value]) => {
        const { column, lookup } = splitLookup(joins, key);
        return value instanceof OuterRef ? outerCondition(joins, column, lookup, value) : condition(column, lookup, value, param);
      });
      return parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`true`;
    }
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.kind === 'and' ? sql`true` : sql`false`;
      const parts = node.children.map((child) => compileFilter(joins, child, param));
      return sql`(${sql.join(parts, node.kind === 'and' ? sql` and ` : sql` or `)})`;
    }
    case 'row': {
      const columns = node.fields.map((name) => resolveColumn(joins, name.split('__')).ref);
      const values = node.values.map((value) => sql`${param(plain(value))}`);
      return sql`((${sql.join(columns)}) ${sql.raw(node.op)} (${sql.join(values)}))`;
    }
    case 'not':
      // `is not true` keeps rows where the condition is NULL, as Django's exclude() does.
      return sql`((${compileFilter(joins, node.child, param)}) is not true)`;
    case 'exists': {
      const inner = joins.subquery(node.model);
      const where = node.filters.map((filter) => compileFilter(inner, filter, param));
      const whereSql = where.length ? sql` where ${sql.join(where, sql` and `)}` : sql``;
      // The inner joins are known once its filters are compiled.
      return sql`exists (select 1 from ${sql.table(node.model.meta.table)} as ${sql.id(inner.alias)} ${inner.toSql()}${whereSql})`;
    }
  }
}

/** `column = <the outer query's column>`, for a lookup whose value is an OuterRef. */
function outerCondition(joins: JoinSet, column: ResolvedColumn, lookup: Lookup, value: OuterRef): RawBuilder<unknown> {
  if (!joins.outer) throw new FieldError(`OuterRef('${value.field}') is only valid inside Q.exists()`);
  if (lookup !== 'exact') throw new FieldError(`OuterRef('${value.field}') only takes an exact lookup, not '${lookup}'`);
  const outer = resolveColumn(joins.outer, value.field.split('__'));
  // A text object id against a numeric pk (a generic foreign key with Django's CharField object_id): compared as text.
  if ((column.kind === 'text') === (outer.kind === 'text')) return sql`${column.ref} = ${outer.ref}`;
  return sql`${castKey(column.ref, column.kind === 'text' ? undefined : 'text')} = ${castKey(outer.ref, outer.kind === 'text' ? undefined : 'text')}`;
}
