import { OrmError } from './errors.js';
import { type FilterInput, type FilterNode, toFilterNode } from './q.js';
import type { QuerySet } from './query-set.js';

/** What a `Count` may be narrowed by: Django's `filter=`, or the filters of a queryset of the related model. */
export interface CountOptions {
  /** Only related rows matching these lookups (on the related model) are counted. */
  filter?: FilterInput;
  /**
   * Only related rows this queryset would return are counted: its filters
   * apply, its ordering is ignored, a sliced queryset is refused (a count of
   * "the 5 newest" is not a count of a relation).
   */
  queryset?: QuerySet<any>;
}

/**
 * The number of related rows of a to-many relation (reverse FK, many-to-many,
 * generic relation), for `QuerySet.annotate`; made by {@link Count}.
 */
export class CountAggregate {
  readonly relation: string;
  /** The conditions on the related rows, already normalized. */
  readonly filters: readonly FilterNode[];
  /** The model of the queryset given, checked against the relation's target when compiled. */
  readonly querysetModel: QuerySet<any>['model'] | undefined;

  constructor(relation: string, options: CountOptions = {}) {
    this.relation = relation;
    const filters: FilterNode[] = [];
    if (options.queryset) {
      if (options.queryset.isSliced) throw new OrmError(`Count('${relation}') cannot use a sliced queryset: only filters can narrow a count`);
      filters.push(...options.queryset.filterNodes);
      this.querysetModel = options.queryset.model;
    }
    if (options.filter) filters.push(toFilterNode(options.filter));
    this.filters = filters;
  }
}

/**
 * `Count('comments', { filter: { authorId: 3 } })`, called like Django's
 * `Count('comments', filter=Q(author_id=3))`; see {@link CountAggregate}.
 */
export function Count(relation: string, options?: CountOptions): CountAggregate {
  return new CountAggregate(relation, options);
}

/** What `annotate` accepts: annotation name → aggregate. A name `author__n` annotates the select_related `author`. */
export type Annotations = Record<string, CountAggregate>;

/** The attributes `annotate(A)` adds to the instances (names with `__` land on joined instances, not here). */
export type Annotated<A extends Annotations> = { [K in keyof A as K extends `${string}__${string}` ? never : K]: number };
