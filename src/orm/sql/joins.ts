import { sql, type RawBuilder } from 'kysely';
import { errors, FieldError } from '../errors.js';
import type { FilterNode } from '../q.js';
import type { Model } from '../model.js';
import type { Relation } from '../relations/relation.js';
import { compileFilter, type ResolvedColumn } from './where.js';

/** A to-one relation joined into a query, addressed by its `__` path. */
export interface Join {
  path: string;
  alias: string;
  model: Model<any, any>;
  relation: Relation;
  parent: Join | undefined;
  /** LEFT once any FK on the chain is nullable or conditioned; INNER otherwise. */
  left: boolean;
  /** An extra ON condition (selectRelatedIf): a joined row that fails it reads as no row. */
  condition?: RawBuilder<unknown>;
}

/**
 * The joins of one SELECT. Filters, orderings and select_related that walk
 * the same path share one join.
 */
export class JoinSet {
  readonly joins: Join[] = [];
  readonly #byPath = new Map<string, Join>();
  /** Annotation values by annotation name (`commentsCount`, `author__articlesCount`), resolvable like columns. */
  readonly annotations = new Map<string, ResolvedColumn>();
  /** The annotations a filter or an ordering named (see `annotation`). */
  readonly namedAnnotations = new Set<string>();
  /** How many times a filter or an ordering read an annotation. */
  annotationReads = 0;

  #subqueries = 0;

  constructor(
    readonly model: Model<any, any>,
    readonly alias: string,
    /** The query around this one, for a subquery (what `OuterRef` resolves in). */
    readonly outer?: JoinSet,
  ) {}

  /** The joins of a new subquery inside this query, under an alias of its own. */
  subquery(model: Model<any, any>): JoinSet {
    return new JoinSet(model, `${this.alias}_e${++this.#subqueries}`, this);
  }

  /** Joins each relation of `names` from the base model; returns the last join. */
  walk(names: readonly string[], purpose: 'filter' | 'selectRelated'): Join | undefined {
    let parent: Join | undefined;
    let model = this.model;
    for (let i = 0; i < names.length; i++) {
      const path = names.slice(0, i + 1).join('__');
      let join = this.#byPath.get(path);
      if (!join) {
        const relation = model.meta.relations[names[i]];
        if (!relation?.joinable) {
          if (purpose === 'selectRelated') throw errors.invalidSelectRelated(model.name, names[i], joinableNames(model));
          throw errors.unknownField(model.name, names[i], [...model.meta.fieldNames, ...joinableNames(model)]);
        }
        join = {
          path,
          alias: `${this.alias}_${this.joins.length + 1}`,
          model: relation.target!,
          relation,
          parent,
          left: (parent?.left ?? false) || relation.nullable,
        };
        this.joins.push(join);
        this.#byPath.set(path, join);
      }
      parent = join;
      model = join.model;
    }
    return parent;
  }

  /**
   * Puts `condition` (on the joined model's own fields) into the ON clause of
   * the join at `names`, which becomes LEFT, and so do the joins below it.
   */
  restrict(names: readonly string[], condition: FilterNode): void {
    const join = this.walk(names, 'selectRelated')!;
    const own = new JoinSet(join.model, join.alias);
    const compiled = compileFilter(own, condition);
    if (own.joins.length) throw new FieldError(`The condition on '${join.path}' may not walk relations (${own.joins.map((j) => j.path).join(', ')}); use Q.exists with OuterRef`);
    join.condition = join.condition ? sql`${join.condition} and ${compiled}` : compiled;
    join.left = true;
    // Joins are kept parents first: one pass marks every join below as LEFT too.
    for (const other of this.joins) if (other.parent?.left) other.left = true;
  }

  /** The value of annotation `name` as a column, noting that the query's conditions or ordering use it; undefined when there is none. */
  annotation(name: string): ResolvedColumn | undefined {
    const column = this.annotations.get(name);
    if (column) {
      this.namedAnnotations.add(name);
      this.annotationReads++;
    }
    return column;
  }

  /** The FROM clause's joins, in the order they were added. */
  toSql(): RawBuilder<unknown> {
    const parts = this.joins.map((join) => {
      const parentAlias = join.parent?.alias ?? this.alias;
      const kind = join.left ? sql.raw('left join') : sql.raw('inner join');
      const on = join.relation.joinOn(parentAlias, join.alias);
      return sql`${kind} ${sql.table(join.model.meta.table)} as ${sql.id(join.alias)} on ${join.condition ? sql`${on} and ${join.condition}` : on}`;
    });
    return sql.join(parts, sql` `);
  }
}

/** The relations of `model` that a query can JOIN (what select_related and filters may walk). */
function joinableNames(model: Model<any, any>): string[] {
  return Object.values(model.meta.relations)
    .filter((relation) => relation.joinable)
    .map((relation) => relation.name);
}
