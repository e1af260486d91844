import type { DeleteResult } from './collector.js';
import { errors } from './errors.js';
import { deleteInstance, saveInstance, type SaveOptions } from './instance-writes.js';
import type { Model } from './model.js';
import type { Session } from './session.js';

/** Where relation caches live on an instance (select_related and prefetch results). */
export const RELATION_CACHE = Symbol('loom.relationCache');
/** The result an instance came from: its session, its peers and the fetch mode. */
export const ORIGIN = Symbol('loom.origin');
/** The parent key a prefetched row was fetched for (internal). */
export const PARENT_KEY = Symbol('loom.parentKey');
/**
 * The values an instance was loaded or last saved with: a row object and the
 * [field, key in that row] pairs to read it by. Hydration stores the driver's
 * row as it is (two stores, no copy), so reads pay nothing for `save()`
 * writing only the fields that changed.
 */
export const SAVED_ROW = Symbol('loom.savedRow');
export const SAVED_COLUMNS = Symbol('loom.savedColumns');
/** The row version (PostgreSQL's `xmin`) when the query asked for it (`withVersion()`, writes). */
export const VERSION = Symbol('loom.version');

/**
 * What to do when code touches a relation the query did not load:
 * `raise` throws (strict mode), `one` loads it for this instance,
 * `peers` loads it for every instance of the same result at once.
 */
export type FetchMode = 'raise' | 'one' | 'peers';

export interface Origin {
  session: Session | undefined;
  peers: ModelInstance[];
  fetchMode: FetchMode;
}

/** Base class of every model's instances. Fields are own properties. */
export class ModelInstance {
  /** @internal */
  declare [RELATION_CACHE]: RelationCache | undefined;
  /** @internal */
  declare [ORIGIN]: Origin | undefined;
  /** @internal */
  declare [PARENT_KEY]: unknown;
  /** @internal */
  declare [SAVED_ROW]: Record<string, unknown> | undefined;
  /** @internal */
  declare [SAVED_COLUMNS]: readonly (readonly [string, string])[] | undefined;
  /** @internal */
  declare [VERSION]: string | undefined;
  /** @internal set on each model's subclass */
  static model: Model<any, any>;

  get model(): Model<any, any> {
    return (this.constructor as typeof ModelInstance).model;
  }

  /**
   * Django's `save()`: INSERT when the instance has no primary key yet, else
   * an UPDATE of the fields that changed since it was loaded or saved (all
   * fields for an instance the ORM did not load; none: no query). An UPDATE
   * that finds no row INSERTs, as Django does.
   *
   * ```ts
   * article.title = 'New'; await article.save();
   * // update "articles" set "title" = $1 where "id" = $2 returning ..., "xmin"::text as "__version"
   * ```
   */
  save(options: SaveOptions = {}): Promise<this> {
    return saveInstance(this, options);
  }

  /**
   * Deletes the row with what cascades from it (see `QuerySet.delete`); the
   * instance's primary key becomes null and its loaded relations are dropped.
   */
  delete(options: { using?: Session } = {}): Promise<DeleteResult> {
    return deleteInstance(this, options.using);
  }
}

/**
 * Relation name -> loaded value. A null-prototype object rather than a Map:
 * hydration creates one per instance that has relations, and a small object
 * is cheaper to create and read; no prototype means `constructor` is no key.
 */
type RelationCache = Record<string, unknown>;

export function setRelationCache(instance: ModelInstance, name: string, value: unknown): void {
  (instance[RELATION_CACHE] ??= Object.create(null) as RelationCache)[name] = value;
}

export function hasRelationCache(instance: ModelInstance, name: string): boolean {
  const cache = instance[RELATION_CACHE];
  return cache !== undefined && name in cache;
}

/** Forgets a loaded relation (a write made it stale), or every one without a name. */
export function clearRelationCache(instance: ModelInstance, name?: string): void {
  const cache = instance[RELATION_CACHE];
  if (cache === undefined) return;
  if (name === undefined) instance[RELATION_CACHE] = undefined;
  else delete cache[name];
}

/** The row version the instance was read or written at (PostgreSQL's xmin), if it was asked for. */
export function versionOf(instance: ModelInstance): string | undefined {
  return instance[VERSION];
}

export function getRelationCache(instance: ModelInstance, name: string): unknown {
  return instance[RELATION_CACHE]?.[name];
}

/** True when `name` (a relation or a toAttr) was loaded on the instance. */
export function isLoaded(instance: ModelInstance, name: string): boolean {
  return hasRelationCache(instance, name) || Object.prototype.hasOwnProperty.call(instance, name);
}

/**
 * Synchronous access to a loaded relation, for serializers: an array for a
 * to-many relation, an instance or null for a to-one. Throws when not loaded.
 */
export function loaded<T = ModelInstance>(instance: ModelInstance, name: string): T[] | T | null {
  const cache = instance[RELATION_CACHE];
  if (cache !== undefined && name in cache) return cache[name] as T[] | T | null;
  if (Object.prototype.hasOwnProperty.call(instance, name)) return (instance as any)[name];
  const model = instance.model;
  const relation = model.meta.relations[name];
  if (!relation) throw errors.unknownField(model.name, name, Object.keys(model.meta.relations));
  throw errors.relationNotLoaded(model.name, name, relation.loadHint());
}
