import { sql, type RawBuilder } from 'kysely';
import { errors } from '../errors.js';
import type { Model } from '../model.js';
import type { FilterNode } from '../q.js';
import { ForwardFk } from '../relations/forward-fk.js';
import type { KeyRestriction } from '../relations/relation.js';
import { JoinSet, type Join } from './joins.js';
import { compileFilter, resolveColumn } from './where.js';

/** What the compiler needs from a QuerySet. */
export interface SelectSpec {
  model: Model<any, any>;
  filters: readonly FilterNode[];
  ordering: readonly string[];
  low: number;
  high: number | undefined;
  only: readonly string[] | undefined;
  defer: readonly string[];
  selectRelated: readonly string[];
  restriction: KeyRestriction | undefined;
  /** A cap on rows returned (a row budget), on top of any slice. */
  maxRows?: number;
}

/** Which result columns become which instance's fields. */
export interface HydrationNode {
  model: Model<any, any>;
  /** [field name, column alias] pairs. */
  columns: [string, string][];
  pkAlias: string;
  /** Index of the parent node, -1 for the base model. */
  parent: number;
  relation: string | undefined;
}

export interface CompiledSelect {
  query: RawBuilder<Record<string, unknown>>;
  nodes: HydrationNode[];
  /** The alias of the selected parent key of a restricted query. */
  parentKeyAlias: string | undefined;
}

/** The values a SELECT binds that vary between runs of one query shape. */
export type SlotName = 'keys' | 'low' | 'high' | 'cap' | 'limit' | 'offset';

/**
 * What the compiler binds for a slot: the value itself by default, or a
 * marker when a reusable template is compiled (see select-template.ts).
 */
export type Bind = (slot: SlotName, value: unknown) => unknown;

const bindValue: Bind = (_slot, value) => value;

/** The row count of the outer LIMIT of an unrestricted query: the slice, capped by the row budget. */
export function sliceLimit(spec: SelectSpec): number | undefined {
  const sliceRows = spec.high !== undefined ? spec.high - spec.low : undefined;
  return spec.maxRows === undefined ? sliceRows : Math.min(sliceRows ?? Infinity, spec.maxRows);
}

export const PARENT_KEY_ALIAS = '__pk';
const ROW_NUMBER_ALIAS = '__rn';
const BASE = 't0';

/** Fields to load for one model of the tree: pk and FK fields always, then only/defer. */
function loadedFields(model: Model<any, any>, path: string, spec: SelectSpec): string[] {
  const prefix = path ? `${path}__` : '';
  const scoped = (names: readonly string[]) =>
    names.filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes('__')).map((n) => n.slice(prefix.length));
  const meta = model.meta;
  const check = (names: string[]) => {
    for (const name of names) if (!meta.field(name)) throw errors.unknownField(model.name, name, meta.fieldNames);
  };
  const only = spec.only ? scoped(spec.only) : [];
  const defer = scoped(spec.defer);
  check(only);
  check(defer);
  const keep = new Set([meta.pk]);
  for (const relation of Object.values(meta.relations)) if (relation instanceof ForwardFk) keep.add(relation.field);
  return meta.fieldNames.filter((name) => {
    if (keep.has(name)) return true;
    // only() names base fields plainly and joined fields by path; a joined
    // model that only() does not mention keeps all its fields.
    if (spec.only && (path === '' || only.length > 0)) return only.includes(name);
    return !defer.includes(name);
  });
}

function orderTerms(joins: JoinSet, ordering: readonly string[]): RawBuilder<unknown>[] {
  const pk = joins.model.meta.pk;
  const terms: RawBuilder<unknown>[] = [];
  let namesPk = false;
  for (const entry of ordering) {
    const desc = entry.startsWith('-');
    const name = desc ? entry.slice(1) : entry;
    const column = resolveColumn(joins, name.split('__'));
    if (column.model === joins.model && column.field === pk && !name.includes('__')) namesPk = true;
    terms.push(sql`${column.ref} ${sql.raw(desc ? 'desc' : 'asc')} nulls last`);
  }
  // A deterministic order: the primary key breaks every tie (API.md §3).
  if (!namesPk) terms.push(sql`${sql.ref(`${BASE}.${joins.model.meta.columnOf(pk)}`)} asc`);
  return terms;
}

/**
 * Compiles a QuerySet to one SELECT: its select_related JOINs, its filters,
 * its ordering (NULLS LAST, pk tie-breaker) and its slice. A query narrowed
 * to parents and sliced is sliced per parent with ROW_NUMBER() OVER
 * (PARTITION BY the parent key), as Django 4.2 does.
 */
export function compileSelect(spec: SelectSpec, bind: Bind = bindValue): CompiledSelect {
  const joins = new JoinSet(spec.model, BASE);
  const nodes: HydrationNode[] = [];
  let counter = 0;
  const addNode = (model: Model<any, any>, path: string, alias: string, parent: number, relation?: string) => {
    const columns = loadedFields(model, path, spec).map((name): [string, string] => [name, `f${counter++}`]);
    const pkAlias = columns.find(([name]) => name === model.meta.pk)![1];
    nodes.push({ model, columns, pkAlias, parent, relation });
    return columns.map(([name, as]) => sql`${sql.ref(`${alias}.${model.meta.columnOf(name)}`)} as ${sql.id(as)}`);
  };
  const selections = addNode(spec.model, '', BASE, -1);
  const joinNode = new Map<Join, number>();
  for (const path of spec.selectRelated) {
    const names = path.split('__');
    joins.walk(names, 'selectRelated');
    for (let i = 1; i <= names.length; i++) {
      const join = joins.walk(names.slice(0, i), 'selectRelated')!;
      if (joinNode.has(join)) continue;
      const parent = join.parent ? joinNode.get(join.parent)! : 0;
      selections.push(...addNode(join.model, join.path, join.alias, parent, join.relation.name));
      joinNode.set(join, nodes.length - 1);
    }
  }

  const where: RawBuilder<unknown>[] = spec.filters.map((filter) => compileFilter(joins, filter));
  const restriction = spec.restriction;
  if (restriction) {
    const key = restriction.keyColumn(BASE);
    selections.push(sql`${key} as ${sql.id(PARENT_KEY_ALIAS)}`);
    where.push(sql`${key} = any(${bind('keys', restriction.keys)}::bigint[])`);
    if (restriction.where) where.push(restriction.where(BASE));
  }
  const order = orderTerms(joins, spec.ordering);
  const extraJoin = restriction?.join ? sql` ${restriction.join(BASE)}` : sql``;
  const whereSql = where.length ? sql` where ${sql.join(where, sql` and `)}` : sql``;
  const from = sql`from ${sql.table(spec.model.meta.table)} as ${sql.id(BASE)}${extraJoin} ${joins.toSql()}${whereSql}`;
  const sliced = spec.low > 0 || spec.high !== undefined;

  if (restriction && sliced) {
    const key = restriction.keyColumn(BASE);
    const rowNumber = sql`row_number() over (partition by ${key} order by ${sql.join(order)}) as ${sql.id(ROW_NUMBER_ALIAS)}`;
    const bounds = [sql`${sql.ref(`w.${ROW_NUMBER_ALIAS}`)} > ${bind('low', spec.low)}`];
    if (spec.high !== undefined) bounds.push(sql`${sql.ref(`w.${ROW_NUMBER_ALIAS}`)} <= ${bind('high', spec.high)}`);
    const inner = sql`select ${sql.join(selections)}, ${rowNumber} ${from}`;
    const cap = spec.maxRows !== undefined ? sql` limit ${bind('cap', spec.maxRows)}` : sql``;
    const query = sql<Record<string, unknown>>`select * from (${inner}) as w where ${sql.join(bounds, sql` and `)} order by ${sql.ref(`w.${PARENT_KEY_ALIAS}`)}, ${sql.ref(`w.${ROW_NUMBER_ALIAS}`)}${cap}`;
    return { query, nodes, parentKeyAlias: PARENT_KEY_ALIAS };
  }
  const rows = sliceLimit(spec);
  const limit = rows !== undefined ? sql` limit ${bind('limit', rows)}` : sql``;
  const offset = spec.low > 0 ? sql` offset ${bind('offset', spec.low)}` : sql``;
  const query = sql<Record<string, unknown>>`select ${sql.join(selections)} ${from} order by ${sql.join(order)}${limit}${offset}`;
  return { query, nodes, parentKeyAlias: restriction ? PARENT_KEY_ALIAS : undefined };
}
