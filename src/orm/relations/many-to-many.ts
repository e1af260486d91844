import { type RawBuilder, sql } from 'kysely';
import type { Model } from '../model.js';
import { type CorrelatedRows, type KeyRestriction, type LinkAction, Relation, type RelationFactory } from './relation.js';

export interface Through {
  table: string;
  /** Column of the through table pointing at the declaring (source) model. */
  sourceColumn: string;
  /** Column of the through table pointing at the target model. */
  targetColumn: string;
}

/** Rows of the target linked through a join table (to-many, both directions). */
export class ManyToMany extends Relation {
  readonly toOne = false;

  constructor(
    source: Model<any, any>,
    name: string,
    target: Model<any, any>,
    readonly through: Through,
  ) {
    super(source, name, target);
  }

  restriction(keys: readonly unknown[]): KeyRestriction {
    const { table, sourceColumn, targetColumn } = this.through;
    const targetPk = this.target!.meta.columnOf(this.target!.meta.pk);
    const throughAlias = (alias: string) => `${alias}_through`;
    return {
      keys,
      shape: this.shapeId,
      keyColumn: (alias) => sql.ref(`${throughAlias(alias)}.${sourceColumn}`),
      join: (alias) =>
        sql`inner join ${sql.table(table)} as ${sql.id(throughAlias(alias))} on ${sql.ref(`${throughAlias(alias)}.${targetColumn}`)} = ${sql.ref(`${alias}.${targetPk}`)}`,
    };
  }

  /** Without conditions on the target, the junction rows alone are counted (an index-only scan of its primary key). */
  override correlated(alias: string, targetNeeded: boolean): CorrelatedRows {
    if (targetNeeded) return super.correlated(alias, targetNeeded);
    const { table, sourceColumn } = this.through;
    return { from: sql`${sql.table(table)} as ${sql.id(alias)}`, key: sql.ref(`${alias}.${sourceColumn}`), where: [] };
  }

  /**
   * One statement per change, the target keys bound as ONE array:
   * - add: `insert into "article_tags" ("article_id", "tag_id") select $1, k from unnest($2::bigint[]) … on conflict do nothing`
   * - remove: `delete from "article_tags" where "article_id" = $1 and "tag_id" = any($2::bigint[])`
   * - set: the remove of the links not listed and the add, in one statement (a data-modifying WITH)
   * - clear: `delete from "article_tags" where "article_id" = $1`
   * A target key that does not exist is the database's foreign key violation.
   */
  override linkStatement(action: LinkAction, sourceKey: unknown, targetKeys: readonly unknown[]): RawBuilder<unknown> {
    const { table, sourceColumn, targetColumn } = this.through;
    const [through, source, target] = [sql.table(table), sql.ref(sourceColumn), sql.ref(targetColumn)];
    const keys = sql`${[...targetKeys]}::bigint[]`;
    const insert = sql`insert into ${through} (${source}, ${target}) select distinct ${sourceKey}::bigint, k from unnest(${keys}) as k on conflict do nothing`;
    switch (action) {
      case 'add':
        return insert;
      case 'remove':
        return sql`delete from ${through} where ${source} = ${sourceKey} and ${target} = any(${keys})`;
      case 'clear':
        return sql`delete from ${through} where ${source} = ${sourceKey}`;
      case 'set':
        return sql`with unlinked as (delete from ${through} where ${source} = ${sourceKey} and ${target} <> all(${keys})) ${insert}`;
    }
  }
}

/**
 * `manyToMany(Tag, { through: { table: 'article_tags', sourceColumn: 'article_id',
 * targetColumn: 'tag_id' }, relatedName: 'articles' })`.
 */
export function manyToMany(target: Model<any, any>, options: { through: Through; relatedName?: string }): RelationFactory {
  return (source, name) => {
    const relation = new ManyToMany(source, name, target, options.through);
    if (options.relatedName) {
      const { table, sourceColumn, targetColumn } = options.through;
      const reverse = { table, sourceColumn: targetColumn, targetColumn: sourceColumn };
      target.addRelation(new ManyToMany(target, options.relatedName, source, reverse));
    }
    return relation;
  };
}
