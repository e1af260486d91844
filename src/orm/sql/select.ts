import { sql, type RawBuilder } from 'kysely';
import type { CountAggregate } from '../count.js';
import { errors, FieldError } from '../errors.js';
import type { Model } from '../model.js';
import type { FilterNode } from '../q.js';
import type { KeyRestriction } from '../relations/relation.js';
import { compileAnnotations } from './annotations.js';
import { JoinSet, type Join } from './joins.js';
import { distinctKeys, lateralKeys, lateralSlice, type PerParentParts, type SliceForm, sliceFormFor, windowSlice } from './per-parent-slice.js';
import { compileFilter, type ResolvedColumn, resolveColumn } from './where.js';

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
  /** Conditions on select_related rows (selectRelatedIf), by path. */
  relatedConditions?: readonly (readonly [string, FilterNode])[];
  /** `annotate()`: name → aggregate, in the order given. */
  annotations: readonly (readonly [string, CountAggregate])[];
  restriction: KeyRestriction | undefined;
  /** A cap on rows returned (a row budget), on top of any slice. */
  maxRows?: number;
  /** Also select the base row's version (PostgreSQL's `xmin`), for ETags and If-Match. */
  version?: boolean;
  /** Lock the base rows: `for update` (a write's read of what it changes) or `for key share`. */
  lock?: 'update' | 'key share';
  /** Forces how a per-parent slice is compiled (tests compare the forms); by rule otherwise. */
  sliceForm?: SliceForm;
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
  /** The alias of the base row's version, when asked for. */
  versionAlias?: string;
}

/** The values a SELECT binds that vary between runs of one query shape. */
export type SlotName = 'keys' | 'low' | 'high' | 'limit' | 'offset' | 'filter';

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

/** How a per-parent slice of `spec` is compiled, or undefined when it is not one (no restriction, or no slice). */
export function sliceFormOf(spec: SelectSpec): SliceForm | undefined {
  if (!spec.restriction || (spec.low === 0 && spec.high === undefined)) return undefined;
  return spec.sliceForm ?? sliceFormFor(spec.high, spec.restriction.keys.length);
}

/** The parent keys a restricted `spec` binds (the LATERAL form's in the order it returns them). */
export function boundKeys(spec: SelectSpec): readonly unknown[] {
  const keys = spec.restriction!.keys;
  return sliceFormOf(spec) === 'lateral' ? lateralKeys(keys) : distinctKeys(keys);
}

export const PARENT_KEY_ALIAS = '__pk';
export const VERSION_ALIAS = '__version';
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
  for (const relation of Object.values(meta.relations)) for (const name of relation.requiredFields()) keep.add(name);
  return meta.fieldNames.filter((name) => {
    if (keep.has(name)) return true;
    // only() names base fields plainly and joined fields by path; a joined
    // model that only() does not mention keeps all its fields.
    if (spec.only && (path === '' || only.length > 0)) return only.includes(name);
    return !defer.includes(name);
  });
}

/** One ORDER BY key: the column and its direction. */
interface OrderKey {
  column: ResolvedColumn;
  desc: boolean;
}

function orderKeys(joins: JoinSet, ordering: readonly string[]): OrderKey[] {
  const pk = joins.model.meta.pk;
  const keys: OrderKey[] = [];
  let namesPk = false;
  for (const entry of ordering) {
    const desc = entry.startsWith('-');
    const name = desc ? entry.slice(1) : entry;
    const column = resolveColumn(joins, name.split('__'));
    if (column.model === joins.model && column.field === pk && !name.includes('__')) namesPk = true;
    keys.push({ column, desc });
  }
  // A deterministic order: the primary key breaks every tie (API.md §3).
  if (!namesPk) keys.push({ column: resolveColumn(joins, [pk]), desc: false });
  return keys;
}

/**
 * `<ref> asc|desc [nulls last]`. NULLs sort last in both directions (API.md
 * §3); PostgreSQL already puts them last ascending, and a column that cannot
 * be NULL needs no clause. Spelling out NULLS LAST where it changes nothing
 * would stop PostgreSQL from reading a `(parent, created_at desc)` index in
 * order, adding a sort to every prefetch.
 */
function orderTerm(ref: RawBuilder<unknown>, { column, desc }: OrderKey): RawBuilder<unknown> {
  if (!desc) return sql`${ref} asc`;
  return column.nullable ? sql`${ref} desc nulls last` : sql`${ref} desc`;
}

/**
 * Compiles a QuerySet to one SELECT: its select_related JOINs, its filters,
 * its ordering (NULLS LAST, pk tie-breaker) and its slice. A query narrowed
 * to parents and sliced is sliced per parent: a LATERAL top-k per parent key,
 * or a ROW_NUMBER() window as Django 4.2 does (per-parent-slice.ts says which when).
 */
export function compileSelect(spec: SelectSpec, bind: Bind = bindValue): CompiledSelect {
  const joins = new JoinSet(spec.model, BASE);
  const nodes: HydrationNode[] = [];
  /** Result alias of each selected column, by `<table alias>.<column>`. */
  const selected = new Map<string, string>();
  let counter = 0;
  const addNode = (model: Model<any, any>, path: string, alias: string, parent: number, relation?: string) => {
    const columns = loadedFields(model, path, spec).map((name): [string, string] => [name, `f${counter++}`]);
    const pkAlias = columns.find(([name]) => name === model.meta.pk)![1];
    nodes.push({ model, columns, pkAlias, parent, relation });
    return columns.map(([name, as]) => {
      const qualified = `${alias}.${model.meta.columnOf(name)}`;
      selected.set(qualified, as);
      return sql`${sql.ref(qualified)} as ${sql.id(as)}`;
    });
  };
  const selections = addNode(spec.model, '', BASE, -1);
  // xmin is the id of the transaction that wrote this version of the row: it
  // changes with every write, by this service or anyone else.
  if (spec.version) selections.push(sql`${sql.ref(`${BASE}.xmin`)}::text as ${sql.id(VERSION_ALIAS)}`);
  const versionAlias = spec.version ? VERSION_ALIAS : undefined;
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

  for (const [path, condition] of spec.relatedConditions ?? []) joins.restrict(path.split('__'), condition);

  const annotations = compileAnnotations(joins, spec.annotations);
  /** Where each annotation's select-list entry goes, once it is known whether a filter or an ordering names it. */
  const annotationSlots = annotations.map(({ owner, attr, column }) => {
    const node = owner ? joinNode.get(owner) : 0;
    if (node === undefined) throw new FieldError(`The annotation on '${owner!.path}' needs selectRelated('${owner!.path}')`);
    const as = `f${counter++}`;
    nodes[node].columns.push([attr, as]);
    selected.set(column.qualified, as);
    selections.push(sql``);
    return { as, slot: selections.length - 1 };
  });

  // Filter values are bound in filterBinds' order ('filter' slots of a template).
  const bindFilter = (value: unknown) => bind('filter', value);
  /** Filters that name no annotation: they may narrow the rows enough that probing beats grouping (below). */
  let plainFilters = 0;
  const where: RawBuilder<unknown>[] = spec.filters.map((filter) => {
    const reads = joins.annotationReads;
    const compiled = compileFilter(joins, filter, bindFilter);
    if (joins.annotationReads === reads) plainFilters++;
    return compiled;
  });
  const restriction = spec.restriction;
  const order = orderKeys(joins, spec.ordering);
  const extraJoin = restriction?.join ? sql` ${restriction.join(BASE)}` : sql``;
  // A count the query filters or sorts on is joined: grouped when the whole table is read (every
  // row must be counted to sort it), LATERAL for a prefetch's parents or a filtered query.
  const wholeTable = !restriction && plainFilters === 0;
  const lateralJoins: RawBuilder<unknown>[] = [];
  annotations.forEach((annotation, i) => {
    const named = joins.namedAnnotations.has(annotation.name);
    if (named) lateralJoins.push(wholeTable ? annotation.grouped : annotation.lateral);
    const { as, slot } = annotationSlots[i];
    selections[slot] = sql`${named ? annotation.column.ref : annotation.scalar} as ${sql.id(as)}`;
  });
  const laterals = lateralJoins.length ? sql` ${sql.join(lateralJoins, sql` `)}` : sql``;
  const form = sliceFormOf(spec);

  if (restriction && form) {
    if (restriction.where) where.push(restriction.where(BASE));
    // The window form's ordering columns that are not loaded are selected as
    // __o<i>, so its outer query can order by result aliases.
    const extra: RawBuilder<unknown>[] = [];
    const orderAliases = order.map((k, i) => {
      let as = selected.get(k.column.qualified);
      if (as === undefined) {
        as = `__o${i}`;
        extra.push(sql`${k.column.ref} as ${sql.id(as)}`);
      }
      return as;
    });
    const parts: PerParentParts = {
      selections: form === 'window' ? [...selections, ...extra] : selections,
      loaded: [...nodes.flatMap((node) => node.columns.map(([, as]) => as)), ...(versionAlias ? [versionAlias] : [])],
      from: sql`from ${sql.table(spec.model.meta.table)} as ${sql.id(BASE)}${extraJoin} ${joins.toSql()}${laterals}`,
      where,
      key: restriction.keyColumn(BASE),
      keys: sql`${bind('keys', boundKeys(spec))}::${sql.raw(restriction.keyType ?? 'bigint')}[]`,
      orderTerms: order.map((k) => orderTerm(k.column.ref, k)),
      outerOrderTerms: (alias) => order.map((k, i) => orderTerm(sql.ref(`${alias}.${orderAliases[i]}`), k)),
      limit: form === 'lateral' && spec.high !== undefined ? bind('limit', sliceLimit(spec)) : undefined,
      offset: form === 'lateral' && spec.low > 0 ? bind('offset', spec.low) : undefined,
      cap: spec.maxRows,
    };
    const query =
      form === 'lateral'
        ? lateralSlice(parts, PARENT_KEY_ALIAS)
        : windowSlice(parts, PARENT_KEY_ALIAS, spec.low > 0 ? bind('low', spec.low) : undefined, spec.high !== undefined ? bind('high', spec.high) : undefined);
    return { query, nodes, parentKeyAlias: PARENT_KEY_ALIAS, versionAlias };
  }
  if (restriction) {
    const key = restriction.keyColumn(BASE);
    selections.push(sql`${key} as ${sql.id(PARENT_KEY_ALIAS)}`);
    where.push(sql`${key} = any(${bind('keys', boundKeys(spec))}::${sql.raw(restriction.keyType ?? 'bigint')}[])`);
    if (restriction.where) where.push(restriction.where(BASE));
  }
  const whereSql = where.length ? sql` where ${sql.join(where, sql` and `)}` : sql``;
  const rows = sliceLimit(spec);
  // A cap alone (no slice) is compiled in, as per-parent-slice.ts's capClause explains.
  const limit = rows === undefined ? sql`` : spec.high === undefined ? sql` limit ${sql.lit(rows)}` : sql` limit ${bind('limit', rows)}`;
  const offset = spec.low > 0 ? sql` offset ${bind('offset', spec.low)}` : sql``;
  const orderBy = sql.join(order.map((k) => orderTerm(k.column.ref, k)));
  if (rows !== undefined && !restriction && pageFirst(spec, joins)) {
    // Page first, then JOIN: the page's rows are chosen on the base table alone
    // (an index in the ordering reads just them), and only they are joined.
    const page = sql`select ${sql.id(BASE)}.* from ${sql.table(spec.model.meta.table)} as ${sql.id(BASE)}${whereSql} order by ${orderBy}${limit}${offset}`;
    const query = sql<Record<string, unknown>>`select ${sql.join(selections)} from (${page}) as ${sql.id(BASE)} ${joins.toSql()} order by ${orderBy}`;
    return { query, nodes, parentKeyAlias: undefined, versionAlias };
  }
  const from = sql`from ${sql.table(spec.model.meta.table)} as ${sql.id(BASE)}${extraJoin} ${joins.toSql()}${laterals}${whereSql}`;
  const lock = spec.lock ? sql` for ${sql.raw(spec.lock)} of ${sql.id(BASE)}` : sql``;
  const query = sql<Record<string, unknown>>`select ${sql.join(selections)} ${from} order by ${orderBy}${limit}${offset}${lock}`;
  return { query, nodes, parentKeyAlias: restriction ? PARENT_KEY_ALIAS : undefined, versionAlias };
}

/**
 * Whether a page can be taken before its to-one JOINs: there are JOINs, none
 * of them filters or orders (a probe compiles the filters and ordering alone
 * and must walk no relation), and nothing else reads the joined row set
 * (annotations, a row version, a lock). The JOINs are then along foreign keys
 * to one row each (INNER only where the FK is NOT NULL), so they neither drop
 * nor repeat a base row, and the page is the same rows either way.
 */
function pageFirst(spec: SelectSpec, joins: JoinSet): boolean {
  if (joins.joins.length === 0 || spec.annotations.length > 0 || spec.version || spec.lock) return false;
  const probe = new JoinSet(spec.model, BASE);
  for (const filter of spec.filters) compileFilter(probe, filter);
  orderKeys(probe, spec.ordering);
  return probe.joins.length === 0;
}
