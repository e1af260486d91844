import { type RawBuilder, sql } from 'kysely';
import type { ModelInstance } from '../instance.js';
import type { Model } from '../model.js';
import { type FilterNode, OuterRef, Q, toFilterNode } from '../q.js';
import { type KeyRestriction, Relation, type RelationFactory } from './relation.js';
import { ReverseFk } from './reverse-fk.js';

/** A foreign key on the source row pointing at the target's primary key (to-one). */
export class ForwardFk extends Relation {
  readonly toOne = true;
  override readonly joinable: boolean = true;
  override readonly nullable: boolean;

  constructor(
    source: Model<any, any>,
    name: string,
    target: Model<any, any>,
    /** The FK field on the source, e.g. `authorId`. */
    readonly field: string,
  ) {
    super(source, name, target);
    const declared = source.meta.field(field);
    if (!declared) throw new Error(`${source.name}.${name}: no field '${field}'`);
    this.nullable = declared.nullable;
  }

  override parentKey(parent: ModelInstance): unknown {
    return (parent as any)[this.field];
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    const pkColumn = this.target!.meta.columnOf(this.target!.meta.pk);
    return { keys, keyColumn: (alias) => sql.ref(`${alias}.${pkColumn}`), shape: this.shapeId };
  }

  override assignedField(): string {
    return this.field;
  }

  override whereRelated(conditionFor: (target: Model<any, any>) => FilterNode | undefined): FilterNode {
    const target = this.target!;
    const condition = conditionFor(target);
    const filters = [toFilterNode({ [target.meta.pk]: new OuterRef(this.field) })];
    if (condition) filters.push(condition);
    return Q.exists({ model: target, filterNodes: filters });
  }

  override isInverseOf(other: Relation): boolean {
    return other instanceof ReverseFk && other.forward === this;
  }

  /** JOIN condition for select_related: target.pk = source.fk */
  override joinOn(sourceAlias: string, targetAlias: string): RawBuilder<unknown> {
    const fk = this.source.meta.columnOf(this.field);
    const pk = this.target!.meta.columnOf(this.target!.meta.pk);
    return sql`${sql.ref(`${targetAlias}.${pk}`)} = ${sql.ref(`${sourceAlias}.${fk}`)}`;
  }
}

/**
 * `forwardFk(Author, { field: 'authorId', relatedName: 'articles' })`: a to-one
 * relation; with `relatedName`, the target also gets the reverse (to-many).
 */
export function forwardFk(target: Model<any, any>, options: { field: string; relatedName?: string }): RelationFactory {
  return (source, name) => {
    const relation = new ForwardFk(source, name, target, options.field);
    if (options.relatedName) target.addRelation(new ReverseFk(target, options.relatedName, source, relation));
    return relation;
  };
}
