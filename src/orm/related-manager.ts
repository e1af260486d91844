import { errors } from './errors.js';
import { executeWrite } from './execute-write.js';
import { clearRelationCache, getRelationCache, hasRelationCache, ModelInstance, ORIGIN } from './instance.js';
import type { FilterInput } from './q.js';
import type { QuerySet } from './query-set.js';
import type { LinkAction, Relation } from './relations/relation.js';
import type { Session } from './session.js';

/** A related row given to add/remove/set: an instance or its primary key. */
export type RelatedKey = ModelInstance | number;

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

  /**
   * Links rows (many-to-many), in one statement; linking a row twice is no
   * error. Like every change below, it drops what was prefetched for this
   * relation on the instance, so the next `all()` reads the new links.
   *
   * ```ts
   * await article.tags.add(orm, 7);
   * // insert into "article_tags" ("article_id", "tag_id") select distinct $1::bigint, k from unnest($2::bigint[]) as k on conflict do nothing
   * ```
   */
  add(...rows: RelatedKey[]): Promise<void> {
    return this.#change('add', rows);
  }

  /** Unlinks rows (many-to-many), in one statement: `delete from "article_tags" where "article_id" = $1 and "tag_id" = any($2::bigint[])`. */
  remove(...rows: RelatedKey[]): Promise<void> {
    return this.#change('remove', rows);
  }

  /** Makes the links exactly `rows`, in one statement (unlinks the others, links the new ones). */
  set(rows: readonly RelatedKey[], options: { using?: Session } = {}): Promise<void> {
    return this.#change('set', rows, options.using);
  }

  /** Unlinks every row: `delete from "article_tags" where "article_id" = $1`. */
  clear(options: { using?: Session } = {}): Promise<void> {
    return this.#change('clear', [], options.using);
  }

  async #change(action: LinkAction, rows: readonly RelatedKey[], using?: Session): Promise<void> {
    const instance = this.instance;
    const session = using ?? instance[ORIGIN]?.session ?? instance.model.objects.session;
    if (!session) throw errors.noSession(instance.model.name);
    const targetPk = this.relation.target!.meta.pk;
    const keys = rows.map((row) => (row instanceof ModelInstance ? (row as any)[targetPk] : row));
    if ((action === 'add' || action === 'remove') && keys.length === 0) return;
    const statement = this.relation.linkStatement(action, this.relation.parentKey(instance), keys);
    try {
      await executeWrite(session, statement);
    } finally {
      clearRelationCache(instance, this.relation.name);
    }
  }
}
