import { sql } from 'kysely';
import type { ModelInstance } from '../instance.js';
import type { Model } from '../model.js';
import { GenericForeignKey } from './generic-foreign-key.js';
import { type DeletionEdge, type KeyRestriction, keyOfKind, Relation, type RelationFactory } from './relation.js';

export interface GenericOptions {
  /** Field of the target naming the parent's type, e.g. `targetType`. */
  typeField: string;
  /** Field of the target holding the parent's primary key, e.g. `targetId`. */
  idField: string;
  /** This parent model's type value, e.g. `'article'`. */
  typeValue: string;
}

/** Rows of the target that point here through (type, id) columns, with no FK (to-many). */
export class GenericRelation extends Relation {
  readonly toOne = false;

  constructor(
    source: Model<any, any>,
    name: string,
    target: Model<any, any>,
    readonly options: GenericOptions,
  ) {
    super(source, name, target);
  }

  /** The parent's key as the target's id field holds it: a text object id (Django's CharField `object_id`) as text. */
  override parentKey(parent: ModelInstance): unknown {
    const key = super.parentKey(parent);
    return this.#textIds ? keyOfKind('text', key) : key;
  }

  get #textIds(): boolean {
    return this.target!.meta.field(this.options.idField)?.kind === 'text';
  }

  /** The generic foreign key on the target that names this source with this relation's type value. */
  override isInverseOf(other: Relation): boolean {
    return (
      other instanceof GenericForeignKey &&
      other.source === this.target &&
      other.options.typeField === this.options.typeField &&
      other.options.idField === this.options.idField &&
      other.options.models[this.options.typeValue] === this.source
    );
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    const meta = this.target!.meta;
    const idColumn = meta.columnOf(this.options.idField);
    const typeColumn = meta.columnOf(this.options.typeField);
    return {
      keys: this.#textIds ? keys.map((key) => keyOfKind('text', key)) : keys,
      keyType: this.#textIds ? 'text' : undefined,
      shape: this.shapeId,
      keyColumn: (alias) => sql.ref(`${alias}.${idColumn}`),
      where: (alias) => sql`${sql.ref(`${alias}.${typeColumn}`)} = ${this.options.typeValue}`,
    };
  }

  /** No FK cascades here: the ORM deletes the rows that point at deleted parents, by type and id together (Django's GenericRelation). */
  override deletionEdge(): DeletionEdge {
    const meta = this.target!.meta;
    const type = sql.ref(meta.columnOf(this.options.typeField));
    const id = sql.ref(meta.columnOf(this.options.idField));
    return {
      target: this.target!,
      where: (parentPks) => sql`${type} = ${this.options.typeValue} and ${id} in (${parentPks})`,
      inDatabase: false,
      keyType: this.#textIds ? 'text' : undefined,
    };
  }
}

/** `genericRelation(Reaction, { typeField: 'targetType', idField: 'targetId', typeValue: 'article' })` */
export function genericRelation(target: Model<any, any>, options: GenericOptions): RelationFactory {
  return (source, name) => new GenericRelation(source, name, target, options);
}
