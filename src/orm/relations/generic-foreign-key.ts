import { sql } from 'kysely';
import { errors } from '../errors.js';
import type { ModelInstance } from '../instance.js';
import type { Model } from '../model.js';
import { type FilterNode, OuterRef, Q, toFilterNode } from '../q.js';
import type { QuerySet } from '../query-set.js';
import { type KeyRestriction, keyOfKind, type PrefetchBatch, Relation, type RelationFactory, uniqueKeys } from './relation.js';

export interface GenericForeignKeyOptions {
  typeField: string;
  idField: string;
  /** Type value -> model, e.g. `{ article: Article, comment: Comment }`. */
  models: Record<string, Model<any, any>>;
}

/**
 * A polymorphic to-one: (type, id) columns naming a row of one of several
 * models. It cannot be JOINed; prefetching it costs one query per type present.
 */
export class GenericForeignKey extends Relation {
  readonly toOne = true;
  override readonly nullable = true;

  constructor(
    source: Model<any, any>,
    name: string,
    readonly options: GenericForeignKeyOptions,
  ) {
    super(source, name, undefined);
  }

  override get targets(): readonly Model<any, any>[] {
    return Object.values(this.options.models);
  }

  override parentKey(parent: ModelInstance): unknown {
    return (parent as any)[this.options.idField];
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    throw new Error(`${this.source.name}.${this.name} is generic: restrict per target type`);
  }

  override defaultQueryset(): QuerySet<any> {
    throw new Error(`${this.source.name}.${this.name} is generic and has no single queryset`);
  }

  /**
   * "The target exists and matches": per type, `type = <value> and exists
   * (a row of that model with this id and its condition)`, OR-ed.
   */
  override whereRelated(conditionFor: (target: Model<any, any>) => FilterNode | undefined): FilterNode {
    const branches = Object.entries(this.options.models).map(([type, model]) => {
      const filters = [toFilterNode({ [model.meta.pk]: new OuterRef(this.options.idField) })];
      const condition = conditionFor(model);
      if (condition) filters.push(condition);
      return Q.and({ [this.options.typeField]: type }, Q.exists({ model, filterNodes: filters }));
    });
    return Q.or(...branches);
  }

  override isInverseOf(other: Relation): boolean {
    return other.isInverseOf(this);
  }

  /** One batch per target type present among the parents. */
  override prefetchBatches(parents: ModelInstance[], queryset: QuerySet<any> | undefined): PrefetchBatch[] {
    const byType = new Map<string, ModelInstance[]>();
    for (const parent of parents) {
      const type = (parent as any)[this.options.typeField] as string;
      if (!this.options.models[type]) continue;
      let group = byType.get(type);
      if (!group) byType.set(type, (group = []));
      group.push(parent);
    }
    const batches: PrefetchBatch[] = [];
    for (const [type, group] of byType) {
      const model = this.options.models[type];
      // A text object id names a numeric primary key as '1': converted to the pk's type before matching.
      const pkKind = model.meta.fields[model.meta.pk].kind;
      const parentKey = (p: ModelInstance) => keyOfKind(pkKind, this.parentKey(p));
      const keys = uniqueKeys(group, parentKey);
      if (keys.length === 0) continue;
      const pkColumn = model.meta.columnOf(model.meta.pk);
      const base = queryset && queryset.model === model ? queryset : model.objects;
      const keyType = pkKind === 'text' ? 'text' : undefined;
      const restricted = base.restrictTo({ keys, keyType, keyColumn: (alias) => sql.ref(`${alias}.${pkColumn}`), shape: `${this.shapeId}:${type}` });
      batches.push({ queryset: restricted, parents: group, parentKey });
    }
    return batches;
  }

  override querysetFor(): QuerySet<any> {
    throw errors.relationNotLoaded(this.source.name, this.name, `prefetchRelated('${this.name}')`);
  }

  override keyFields(): readonly string[] {
    return [this.options.idField];
  }

  override requiredFields(): readonly string[] {
    return [this.options.typeField, this.options.idField];
  }

  override fieldChoices(): Record<string, readonly string[]> {
    return { [this.options.typeField]: Object.keys(this.options.models) };
  }

  /** A generic foreign key has no FK constraint: whoever writes (type, id) checks that the row exists. */
  override uncheckedTarget(values: Record<string, unknown>): { model: Model<any, any>; key: unknown } | undefined {
    const type = values[this.options.typeField];
    const model = typeof type === 'string' && Object.hasOwn(this.options.models, type) ? this.options.models[type] : undefined;
    const key = values[this.options.idField];
    return model && key !== undefined && key !== null ? { model, key } : undefined;
  }

}

export function genericForeignKey(options: GenericForeignKeyOptions): RelationFactory {
  return (source, name) => new GenericForeignKey(source, name, options);
}
