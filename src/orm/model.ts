import { errors } from './errors.js';
import { type Field, type FieldMap, type FieldValues, snakeCase } from './fields.js';
import { ModelInstance } from './instance.js';
import { QuerySet } from './query-set.js';
import type { Relation, RelationFactory } from './relations/relation.js';
import type { Session } from './session.js';

/** Metadata the query compiler and the prefetcher read. */
export class ModelMeta {
  /** Null prototype: a lookup of `constructor` or `__proto__` finds no relation. */
  readonly relations: Record<string, Relation> = Object.create(null);
  readonly pk: string;
  readonly fieldNames: readonly string[];
  readonly #columns: Record<string, string>;

  constructor(
    readonly table: string,
    readonly fields: Readonly<FieldMap>,
    readonly ordering: readonly string[],
  ) {
    this.fieldNames = Object.keys(fields);
    const pk = this.fieldNames.find((name) => fields[name].primaryKey);
    if (!pk) throw new Error(`model for table ${table} declares no primary key`);
    this.pk = pk;
    this.#columns = Object.fromEntries(this.fieldNames.map((name) => [name, fields[name].column ?? snakeCase(name)]));
  }

  columnOf(fieldName: string): string {
    return this.#columns[fieldName];
  }

  field(name: string): Field | undefined {
    return Object.prototype.hasOwnProperty.call(this.fields, name) ? this.fields[name] : undefined;
  }
}

/** The instance type of a model: its fields, its declared relations and any toAttr attributes. */
export type Instance<F extends FieldMap, R = {}> = ModelInstance & FieldValues<F> & R & { [attr: string]: unknown };

export type InstanceOf<M> = M extends Model<infer F, infer R> ? Instance<F, R> : never;

/**
 * A model: a table, its fields and its relations.
 *
 * ```ts
 * const Tag = defineModel('Tag', { table: 'tags', fields: { id: field.id(), name: field.text() } });
 * await Tag.objects.using(session).filter({ name__startswith: 'o' });
 * // select "t0"."id" as "f0", "t0"."name" as "f1" from "tags" as "t0" where "t0"."name" like $1 ...
 * ```
 */
export class Model<F extends FieldMap = FieldMap, R = {}> {
  readonly meta: ModelMeta;
  /** The class every instance of this model is made from. */
  readonly Instance: new () => ModelInstance;
  #boundSession: Session | undefined;

  constructor(
    readonly name: string,
    options: { table: string; fields: F; ordering?: string[] },
  ) {
    this.meta = new ModelMeta(options.table, options.fields, options.ordering ?? []);
    const model = this;
    this.Instance = { [name]: class extends ModelInstance {} }[name];
    (this.Instance as unknown as typeof ModelInstance).model = model;
  }

  /** A QuerySet over all rows, on the bound session (if any). */
  get objects(): QuerySet<Instance<F, R>> {
    return QuerySet.of<Instance<F, R>>(this, this.#boundSession);
  }

  /** Binds a default session (for scripts; services pass `using(session)`). */
  bind(session: Session | undefined): this {
    this.#boundSession = session;
    return this;
  }

  /**
   * Declares relations. A relation with a `relatedName` also installs its
   * reverse on the target model. Returns the model, typed with the relations.
   */
  relate<NR>(relations: { [K in keyof NR]: RelationFactory }): Model<F, R & NR> {
    for (const [name, factory] of Object.entries(relations) as [string, RelationFactory][]) {
      this.addRelation(factory(this, name));
    }
    return this as unknown as Model<F, R & NR>;
  }

  /**
   * Types the relations that `relate()` attaches later (models that point at
   * each other cannot infer them): `defineModel(...).withRelations<ArticleRelations>()`.
   * Changes nothing at run time.
   */
  withRelations<NR>(): Model<F, R & NR> {
    return this as unknown as Model<F, R & NR>;
  }

  /** @internal */
  addRelation(relation: Relation): void {
    if (this.meta.field(relation.name) || this.meta.relations[relation.name]) {
      throw new Error(`${this.name}.${relation.name} is declared twice`);
    }
    this.meta.relations[relation.name] = relation;
    Object.defineProperty(this.Instance.prototype, relation.name, {
      configurable: true,
      enumerable: false,
      get(this: ModelInstance) {
        return relation.access(this);
      },
    });
  }

  /** @internal */
  relation(name: string): Relation {
    const relation = this.meta.relations[name];
    if (!relation) {
      throw errors.unknownField(this.name, name, [...this.meta.fieldNames, ...Object.keys(this.meta.relations)]);
    }
    return relation;
  }
}

export function defineModel<F extends FieldMap>(
  name: string,
  options: { table: string; fields: F; ordering?: string[] },
): Model<F> {
  return new Model(name, options);
}
