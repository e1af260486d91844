import { CompiledQuery, type Kysely } from 'kysely';
import { BoundedCache } from '../bounded-cache.js';
import type { Model } from '../model.js';
import { boundKeys, compileSelect, type CompiledSelect, type SelectSpec, type SlotName, sliceFormOf, sliceLimit } from './select.js';
import { filterBinds } from './where.js';

/** A SELECT ready to run, with how to hydrate its rows. */
export interface ExecutableSelect extends Omit<CompiledSelect, 'query'> {
  query: CompiledQuery<Record<string, unknown>>;
}

/** Stands for a varying value in a template's parameter list (a filter value: its index in filterBinds' values). */
class Slot {
  constructor(
    readonly name: SlotName,
    readonly index = 0,
  ) {}
}

interface SelectTemplate extends Omit<CompiledSelect, 'query'> {
  sql: string;
  /** The compiled parameters: constants, and Slots to fill per run. */
  parameters: readonly unknown[];
}

/**
 * Shapes seen per model. Shapes come from requests (fieldsets, sort keys),
 * so the map is bounded; past the bound it starts over rather than grow.
 */
const MAX_SHAPES_PER_MODEL = 256;
const templates = new WeakMap<Model<any, any>, BoundedCache<string, SelectTemplate>>();

/**
 * How each field of a SelectSpec enters the template key: everything that can
 * change the SQL text, with the values that are bound (keys, slice bounds,
 * filter values, the row cap) reduced to what they decide in the text. A
 * mapped type over every field of SelectSpec: a new field does not compile
 * until it says how it changes the SQL, and test/orm/template-key.test.ts
 * checks that each part changes the key whenever it changes the SQL.
 */
const KEY_PARTS: { readonly [K in keyof Required<SelectSpec>]: (spec: SelectSpec, filterShape: string) => unknown } = {
  model: (spec) => spec.model.name,
  filters: (_spec, filterShape) => filterShape,
  ordering: (spec) => spec.ordering,
  low: (spec) => spec.low > 0,
  high: (spec) => spec.high !== undefined,
  only: (spec) => spec.only ?? null,
  defer: (spec) => spec.defer,
  selectRelated: (spec) => spec.selectRelated,
  annotations: (spec) => spec.annotations.map(([name, count]) => [name, count.relation]),
  restriction: (spec) => (spec.restriction ? [spec.restriction.shape, spec.restriction.keyType ?? 'bigint'] : null),
  // The row cap is compiled in as a literal (per-parent-slice.ts): one value per row budget.
  maxRows: (spec) => spec.maxRows ?? null,
  version: (spec) => spec.version === true,
  lock: (spec) => spec.lock ?? null,
  // Their values are compiled in: a spec with any is not reused (templateKey).
  relatedConditions: (spec) => spec.relatedConditions?.length ?? 0,
  sliceForm: (spec) => sliceFormOf(spec) ?? null,
};
const KEY_FIELDS = Object.keys(KEY_PARTS) as (keyof SelectSpec)[];

/**
 * The template key of `spec`: a canonical serialization of every field's part
 * (KEY_PARTS); undefined when the spec cannot be reused (a count's filter,
 * whose values are compiled in; or a restriction of unknown shape).
 */
export function templateKey(spec: SelectSpec, filterShape = filterBinds(spec.filters).shape): string | undefined {
  if (spec.annotations.some(([, count]) => count.filters.length > 0)) return undefined;
  if (spec.relatedConditions?.length) return undefined;
  if (spec.restriction && spec.restriction.shape === undefined) return undefined;
  return JSON.stringify(KEY_FIELDS.map((field) => KEY_PARTS[field](spec, filterShape)));
}

function slotValue(spec: SelectSpec, slot: Slot, filterValues: readonly unknown[]): unknown {
  switch (slot.name) {
    case 'filter':
      return filterValues[slot.index];
    case 'keys':
      return boundKeys(spec);
    case 'low':
    case 'offset':
      return spec.low;
    case 'high':
      return spec.high;
    case 'limit':
      return sliceLimit(spec);
  }
}

function templateOf(spec: SelectSpec, db: Kysely<any>): SelectTemplate {
  let filters = 0;
  const slotBind = (slot: SlotName) => new Slot(slot, slot === 'filter' ? filters++ : 0);
  const { query, nodes, parentKeyAlias, versionAlias } = compileSelect(spec, slotBind);
  const { sql, parameters } = query.compile(db);
  return { sql, parameters, nodes, parentKeyAlias, versionAlias };
}

/**
 * Compiles `spec` for `db`. The SQL text of a query shape (model, ordering,
 * fields, joins, restriction kind, which slice bounds, the filters' shape) is
 * built once and reused with this run's keys, bounds and filter values
 * (compiling a filtered SELECT afresh cost ~30x reusing one). All loom's databases are PostgreSQL (the same compiler), so one
 * template serves every database.
 *
 * ```ts
 * const { query, nodes } = executableSelect(spec, db);
 * await db.executeQuery(query);
 * ```
 */
export function executableSelect(spec: SelectSpec, db: Kysely<any>): ExecutableSelect {
  const binds = filterBinds(spec.filters);
  const key = templateKey(spec, binds.shape);
  if (key === undefined) {
    const { query, nodes, parentKeyAlias, versionAlias } = compileSelect(spec);
    return { query: query.compile(db), nodes, parentKeyAlias, versionAlias };
  }
  let shapes = templates.get(spec.model);
  if (!shapes) templates.set(spec.model, (shapes = new BoundedCache(MAX_SHAPES_PER_MODEL)));
  const template = shapes.get(key, () => templateOf(spec, db));
  const parameters = template.parameters.map((value) => (value instanceof Slot ? slotValue(spec, value, binds.values) : value));
  return {
    query: CompiledQuery.raw(template.sql, parameters) as CompiledQuery<Record<string, unknown>>,
    nodes: template.nodes,
    parentKeyAlias: template.parentKeyAlias,
    versionAlias: template.versionAlias,
  };
}
