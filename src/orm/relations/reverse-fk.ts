import { sql } from 'kysely';
import type { Model } from '../model.js';
import type { ForwardFk } from './forward-fk.js';
import { type KeyRestriction, Relation } from './relation.js';

/** The rows of another model whose foreign key points here (to-many). */
export class ReverseFk extends Relation {
  readonly kind = 'reverseFk' as const;
  readonly toOne = false;

  constructor(
    source: Model<any, any>,
    name: string,
    target: Model<any, any>,
    readonly forward: ForwardFk,
  ) {
    super(source, name, target);
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    const fkColumn = this.target!.meta.columnOf(this.forward.field);
    return { keys, keyColumn: (alias) => sql.ref(`${alias}.${fkColumn}`), shape: this.shapeId };
  }
}
