import { sql } from 'kysely';
import type { Model } from '../model.js';
import type { ForwardFk } from './forward-fk.js';
import { type DeletionEdge, type KeyRestriction, Relation } from './relation.js';

/** The rows of another model whose foreign key points here (to-many). */
export class ReverseFk extends Relation {
  readonly toOne = false;

  constructor(
    source: Model<any, any>,
    name: string,
    target: Model<any, any>,
    readonly forward: ForwardFk,
  ) {
    super(source, name, target);
  }

  override isInverseOf(other: Relation): boolean {
    return other === this.forward;
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    const fkColumn = this.target!.meta.columnOf(this.forward.field);
    return { keys, keyColumn: (alias) => sql.ref(`${alias}.${fkColumn}`), shape: this.shapeId };
  }

  /**
   * A required FK is `on delete cascade` in the schema, a nullable one `on
   * delete set null` (API.md §1): the database does both; the ORM follows a
   * cascade to find what else goes with the rows (their generic relations).
   */
  override deletionEdge(): DeletionEdge | undefined {
    if (this.forward.nullable) return undefined;
    const fkColumn = sql.ref(this.target!.meta.columnOf(this.forward.field));
    return { target: this.target!, where: (parentPks) => sql`${fkColumn} in (${parentPks})`, inDatabase: true };
  }
}
