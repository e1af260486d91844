/**
 * Writes of single instances (Django's `save()` / `delete()`) and the value
 * handling every write shares: field names checked, a to-one relation given
 * as an instance stored as its key, saved values remembered so the next
 * `save()` writes only what changed.
 */
import { type DeleteResult, deleteWhere } from './collector.js';
import { errors, OrmError } from './errors.js';
import { executeWrite } from './execute-write.js';
import { clearRelationCache, ModelInstance, ORIGIN, SAVED_COLUMNS, SAVED_ROW, VERSION } from './instance.js';
import type { Model } from './model.js';
import type { Session } from './session.js';
import { insertOne, pkEquals, updateWhere, type Values } from './sql/write.js';
import { VERSION_ALIAS } from './sql/select.js';

export interface SaveOptions {
  /** The session to write through; default: the one the instance came from. */
  using?: Session;
  /** Write only these fields (Django's update_fields); default: the fields that changed. */
  updateFields?: readonly string[];
  /** INSERT even when the primary key is set. */
  forceInsert?: boolean;
}

/** [field, field] pairs per model: a saved row is keyed by field name. */
const identityColumns = new WeakMap<Model<any, any>, (readonly [string, string])[]>();

function savedColumns(model: Model<any, any>): (readonly [string, string])[] {
  let columns = identityColumns.get(model);
  if (!columns) identityColumns.set(model, (columns = model.meta.fieldNames.map((name) => [name, name] as const)));
  return columns;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/**
 * Checks field names and turns relation assignments into field values:
 * `{ author: ann, title: 'x' }` → `{ authorId: 1, title: 'x' }`. Undefined
 * values are left out.
 */
export function fieldValues(model: Model<any, any>, input: Record<string, unknown>): Values {
  const meta = model.meta;
  const values: Values = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (meta.field(name)) {
      values[name] = value;
      continue;
    }
    const field = meta.relations[name]?.assignedField();
    if (!field) throw errors.unknownField(model.name, name, meta.fieldNames);
    values[field] = value instanceof ModelInstance ? (value as any)[value.model.meta.pk] : value;
  }
  return values;
}

/** The own field values of an instance (the fields it holds). */
export function instanceValues(instance: ModelInstance): Values {
  const values: Values = {};
  for (const name of instance.model.meta.fieldNames) {
    const value = (instance as any)[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** Fills an instance from a row a write returned, and remembers it as saved. */
export function applyWrittenRow(instance: ModelInstance, row: Values, session: Session): void {
  const model = instance.model;
  for (const name of model.meta.fieldNames) if (name in row) (instance as any)[name] = row[name];
  if (row[VERSION_ALIAS] !== undefined) instance[VERSION] = row[VERSION_ALIAS] as string;
  instance[ORIGIN] ??= { session, peers: [instance], fetchMode: session.fetchMode };
  markSaved(instance);
}

/** Remembers the instance's current values as the saved ones. */
function markSaved(instance: ModelInstance): void {
  instance[SAVED_ROW] = instanceValues(instance);
  instance[SAVED_COLUMNS] = savedColumns(instance.model);
}

/** Fields whose value differs from what was loaded or saved; every held field when nothing was. */
export function changedFields(instance: ModelInstance): string[] {
  const model = instance.model;
  const row = instance[SAVED_ROW];
  const columns = instance[SAVED_COLUMNS];
  const pk = model.meta.pk;
  if (!row || !columns) return Object.keys(instanceValues(instance)).filter((name) => name !== pk);
  const changed: string[] = [];
  for (const [name, key] of columns) {
    if (name !== pk && !sameValue((instance as any)[name], row[key])) changed.push(name);
  }
  return changed;
}

function sessionOf(instance: ModelInstance, using: Session | undefined): Session {
  const session = using ?? instance[ORIGIN]?.session ?? instance.model.objects.session;
  if (!session) throw errors.noSession(instance.model.name);
  return session;
}

async function insertInstance(instance: ModelInstance, session: Session): Promise<void> {
  const values = instanceValues(instance);
  const { rows } = await executeWrite(session, insertOne(instance.model, values));
  applyWrittenRow(instance, rows[0], session);
}

/** Drops a cached to-one relation whose key field was changed (Django does it on assignment). */
function forgetChangedRelations(instance: ModelInstance, changed: readonly string[]): void {
  for (const relation of Object.values(instance.model.meta.relations)) {
    const field = relation.assignedField();
    if (field !== undefined && changed.includes(field)) clearRelationCache(instance, relation.name);
  }
}

export async function saveInstance<T extends ModelInstance>(instance: T, options: SaveOptions): Promise<T> {
  const session = sessionOf(instance, options.using);
  const model = instance.model;
  const pk = (instance as any)[model.meta.pk];
  if (options.forceInsert || pk === undefined || pk === null) {
    await insertInstance(instance, session);
    return instance;
  }
  const fields = options.updateFields ? [...options.updateFields] : changedFields(instance);
  for (const name of fields) if (!model.meta.field(name)) throw errors.unknownField(model.name, name, model.meta.fieldNames);
  if (fields.length === 0) return instance;
  const values: Values = {};
  for (const name of fields) values[name] = (instance as any)[name] ?? null;
  const { rows } = await executeWrite(session, updateWhere(model, values, pkEquals(model, pk), true));
  if (rows.length === 0) {
    if (options.updateFields) throw new OrmError(`${model.name} with ${model.meta.pk} ${pk} did not update: no such row`);
    await insertInstance(instance, session);
    return instance;
  }
  instance[VERSION] = rows[0][VERSION_ALIAS] as string;
  forgetChangedRelations(instance, fields);
  markSaved(instance);
  return instance;
}

export async function deleteInstance(instance: ModelInstance, using: Session | undefined): Promise<DeleteResult> {
  const model = instance.model;
  const pk = (instance as any)[model.meta.pk];
  if (pk === undefined || pk === null) {
    throw new OrmError(`${model.name} object can't be deleted because its ${model.meta.pk} attribute is set to null.`);
  }
  const result = await deleteWhere(sessionOf(instance, using), model, pkEquals(model, pk));
  (instance as any)[model.meta.pk] = null;
  clearRelationCache(instance);
  instance[SAVED_ROW] = undefined;
  return result;
}
