import { sql, type RawBuilder } from 'kysely';
import { errors } from '../errors.js';
import type { FieldKind } from '../fields.js';
import { ModelInstance } from '../instance.js';
import type { Model } from '../model.js';
import type { FilterNode } from '../q.js';
import { ForwardFk } from '../relations/forward-fk.js';
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
 * what it walks. A trailing to-one relation means its FK (`author` = authorId)
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
    const relation = model.meta.relations[fieldName];
    if (relation instanceof ForwardFk) {
      fieldName = relation.field;
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

function condition(column: ResolvedColumn, lookup: Lookup, raw: unknown): RawBuilder<unknown> {
  const ref = column.ref;
  const value = plain(raw);
  switch (lookup) {
    case 'exact':
      return value === null || value === undefined ? sql`${ref} is null` : sql`${ref} = ${value}`;
    case 'in': {
      const list = [...(value as Iterable<unknown>)].map(plain);
      if (list.length === 0) return sql`false`;
      return sql`${ref} = any(${list}::${sql.raw(ARRAY_TYPE[column.kind])})`;
    }
    case 'gt':
      return sql`${ref} > ${value}`;
    case 'gte':
      return sql`${ref} >= ${value}`;
    case 'lt':
      return sql`${ref} < ${value}`;
    case 'lte':
      return sql`${ref} <= ${value}`;
    case 'isnull':
      return value ? sql`${ref} is null` : sql`${ref} is not null`;
    case 'contains':
      return sql`${ref} like ${`%${escapeLike(value)}%`}`;
    case 'icontains':
      return sql`${ref} ilike ${`%${escapeLike(value)}%`}`;
    case 'startswith':
      return sql`${ref} like ${`${escapeLike(value)}%`}`;
  }
}

/** Compiles a filter tree to SQL, joining the relations it walks. */
export function compileFilter(joins: JoinSet, node: FilterNode): RawBuilder<unknown> {
  switch (node.kind) {
    case 'lookups': {
      const parts = Object.entries(node.lookups).map(([key, value]) => {
        const { column, lookup } = splitLookup(joins, key);
        return condition(column, lookup, value);
      });
      return parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`true`;
    }
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.kind === 'and' ? sql`true` : sql`false`;
      const parts = node.children.map((child) => compileFilter(joins, child));
      return sql`(${sql.join(parts, node.kind === 'and' ? sql` and ` : sql` or `)})`;
    }
    case 'row': {
      const columns = node.fields.map((name) => resolveColumn(joins, name.split('__')).ref);
      const values = node.values.map((value) => sql`${plain(value)}`);
      return sql`((${sql.join(columns)}) ${sql.raw(node.op)} (${sql.join(values)}))`;
    }
    case 'not':
      // `is not true` keeps rows where the condition is NULL, as Django's exclude() does.
      return sql`((${compileFilter(joins, node.child)}) is not true)`;
  }
}
