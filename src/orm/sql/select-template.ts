import { CompiledQuery, type Kysely } from 'kysely';
import type { Model } from '../model.js';
import { distinctKeys, sliceFormFor } from './per-parent-slice.js';
import { compileSelect, type CompiledSelect, type SelectSpec, type SlotName, sliceLimit } from './select.js';

/** A SELECT ready to run, with how to hydrate its rows. */
export interface ExecutableSelect extends Omit<CompiledSelect, 'query'> {
  query: CompiledQuery<Record<string, unknown>>;
}

/** Stands for a varying value in a template's parameter list. */
class Slot {
  constructor(readonly name: SlotName) {}
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

const slotBind = (slot: SlotName) => new Slot(slot);

/**
 * Everything that decides a SELECT's SQL text, but not its bound values;
 * undefined when the spec cannot be reused (filters: their SQL depends on
 * their values, e.g. `is null` for null; or a restriction of unknown shape).
 */
function shapeKey(spec: SelectSpec): string | undefined {
  if (spec.filters.length > 0 || spec.annotations.some(([, count]) => count.filters.length > 0)) return undefined;
  const shape = spec.restriction ? spec.restriction.shape : '';
  if (shape === undefined) return undefined;
  return JSON.stringify([
    shape,
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

function slotValue(spec: SelectSpec, slot: SlotName): unknown {
  switch (slot) {
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
  const { query, nodes, parentKeyAlias, versionAlias } = compileSelect(spec, slotBind);
  const { sql, parameters } = query.compile(db);
  return { sql, parameters, nodes, parentKeyAlias, versionAlias };
}

/**
 * Compiles `spec` for `db`. The SQL text of a query shape (model, ordering,
 * fields, joins, restriction kind, which slice bounds) is built once and
 * reused with this run's keys and bounds; a spec with filters is compiled
 * afresh. All loom's databases are PostgreSQL (the same compiler), so one
 * template serves every database.
 *
 * ```ts
 * const { query, nodes } = executableSelect(spec, db);
 * await db.executeQuery(query);
 * ```
 */
export function executableSelect(spec: SelectSpec, db: Kysely<any>): ExecutableSelect {
  const key = shapeKey(spec);
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
  const parameters = template.parameters.map((value) => (value instanceof Slot ? slotValue(spec, value.name) : value));
  return {
    query: CompiledQuery.raw(template.sql, parameters) as CompiledQuery<Record<string, unknown>>,
    nodes: template.nodes,
    parentKeyAlias: template.parentKeyAlias,
    versionAlias: template.versionAlias,
  };
}
