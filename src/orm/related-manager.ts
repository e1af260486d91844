import { errors } from './errors.js';
import { getRelationCache, hasRelationCache, type ModelInstance, ORIGIN } from './instance.js';
import type { FilterInput } from './q.js';
import type { QuerySet } from './query-set.js';
import type { Relation } from './relations/relation.js';

/**
 * `article.tags`: the to-many side of a relation on one instance. When the
 * relation was prefetched, `all()` is already evaluated and runs no query;
 * anything that changes the query (`filter`, `orderBy`, ...) runs a new one,
 * exactly as Django's related managers do.
 */
export class RelatedManager<T extends ModelInstance = ModelInstance> {
  constructor(
    readonly instance: ModelInstance,
    readonly relation: Relation,
  ) {}

  get isPrefetched(): boolean {
    return hasRelationCache(this.instance, this.relation.name);
  }

  /** A fresh queryset of this instance's related rows (always a new query). */
  queryset(): QuerySet<T> {
    return this.relation.querysetFor(this.instance) as QuerySet<T>;
  }

  /**
   * The related rows. Prefetched: an evaluated queryset (sync iterable, no
   * query). Not prefetched: a lazy queryset, or RelationNotLoaded in strict mode.
   */
  all(): QuerySet<T> {
    if (this.isPrefetched) {
      const rows = getRelationCache(this.instance, this.relation.name) as ModelInstance[];
      return this.queryset().withResultCache(rows);
    }
    if ((this.instance[ORIGIN]?.fetchMode ?? 'one') === 'raise') {
      throw errors.relationNotLoaded(this.instance.model.name, this.relation.name, this.relation.loadHint());
    }
    return this.queryset();
  }

  filter(...conditions: FilterInput[]): QuerySet<T> {
    return this.queryset().filter(...conditions);
  }

  exclude(...conditions: FilterInput[]): QuerySet<T> {
    return this.queryset().exclude(...conditions);
  }

  orderBy(...fields: string[]): QuerySet<T> {
    return this.queryset().orderBy(...fields);
  }

  async count(): Promise<number> {
    return this.isPrefetched ? this.all().toArray().length : this.queryset().count();
  }
}
