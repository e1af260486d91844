import { CompiledQuery, type Kysely } from 'kysely';
import type { Model } from '../model.js';
import { distinctKeys, sliceFormFor } from './per-parent-slice.js';
import { compileSelect, type CompiledSelect, type SelectSpec, type SlotName, sliceLimit } from './select.js';
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
const templates = new WeakMap<Model<any, any>, Map<string, SelectTemplate>>();

/**
 * Everything that decides a SELECT's SQL text, but not its bound values;
 * undefined when the spec cannot be reused (a count's filter, whose values are
 * compiled in; or a restriction of unknown shape). Filters count by their
 * shape (`filterShape`: which lookups, and what their values decide in the
 * SQL, e.g. `is null` for null).
 */
function shapeKey(spec: SelectSpec, filterShape: string): string | undefined {
  if (spec.annotations.some(([, count]) => count.filters.length > 0)) return undefined;
  const shape = spec.restriction ? spec.restriction.shape : '';
  if (shape === undefined) return undefined;
  return JSON.stringify([
    shape,
    filterShape,
    spec.ordering,
    spec.only ?? null,
    spec.defer,
    spec.selectRelated,
    spec.annotations.map(([name, count]) => [name, count.relation]),
    spec.low > 0,
    spec.high !== undefined,
    spec.maxRows !== undefined,
    spec.version === true,
    spec.lock ?? null,
    spec.restriction && (spec.low > 0 || spec.high !== undefined) ? (spec.sliceForm ?? sliceFormFor(spec.high, spec.restriction.keys.length)) : '',
  ]);
}

function slotValue(spec: SelectSpec, slot: Slot, filterValues: readonly unknown[]): unknown {
  switch (slot.name) {
    case 'filter':
      return filterValues[slot.index];
    case 'keys':
      return distinctKeys(spec.restriction!.keys);
    case 'low':
    case 'offset':
      return spec.low;
    case 'high':
      return spec.high;
    case 'cap':
      return spec.maxRows;
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
  const key = shapeKey(spec, binds.shape);
  if (key === undefined) {
    const { query, nodes, parentKeyAlias, versionAlias } = compileSelect(spec);
    return { query: query.compile(db), nodes, parentKeyAlias, versionAlias };
  }
  let shapes = templates.get(spec.model);
  if (!shapes) templates.set(spec.model, (shapes = new Map()));
  let template = shapes.get(key);
  if (!template) {
    template = templateOf(spec, db);
    if (shapes.size >= MAX_SHAPES_PER_MODEL) shapes.clear();
    shapes.set(key, template);
  }
  const parameters = template.parameters.map((value) => (value instanceof Slot ? slotValue(spec, value, binds.values) : value));
  return {
    query: CompiledQuery.raw(template.sql, parameters) as CompiledQuery<Record<string, unknown>>,
    nodes: template.nodes,
    parentKeyAlias: template.parentKeyAlias,
    versionAlias: template.versionAlias,
  };
}
