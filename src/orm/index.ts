/**
 * loom's ORM: Django's select_related / prefetch_related / Prefetch over Kysely.
 * See README.md beside this file.
 */
export { field, defaultOf, type Field, type FieldKind, type FieldMap, type FieldValues } from './fields.js';
export { defineModel, Model, ModelMeta, type Instance, type InstanceOf } from './model.js';
export { ModelInstance, loaded, isLoaded, versionOf, type FetchMode } from './instance.js';
export type { SaveOptions } from './instance-writes.js';
export { type DeleteResult } from './collector.js';
export { integrityError } from './execute-write.js';
export { QuerySet, type Page } from './query-set.js';
export { Count, CountAggregate, type Annotated, type Annotations, type CountOptions } from './count.js';
export { explainStatement, indexesOf, type ExplainOptions, type QueryPlan } from './explain.js';
export { Q, OuterRef, type ExistsSource, type FilterInput, type FilterNode, type Lookups } from './q.js';
export { Prefetch, prefetchRelatedObjects, type PrefetchLookup, type ToAttrs } from './prefetch.js';
export { RelatedManager, type RelatedKey } from './related-manager.js';
export { load } from './load.js';
export { forwardFk, ForwardFk } from './relations/forward-fk.js';
export { ReverseFk } from './relations/reverse-fk.js';
export { manyToMany, ManyToMany } from './relations/many-to-many.js';
export { genericRelation, GenericRelation } from './relations/generic-relation.js';
export { genericForeignKey, GenericForeignKey } from './relations/generic-foreign-key.js';
export { Relation, type LinkAction } from './relations/relation.js';
export { LOOKUPS } from './sql/where.js';
export { Session, TransactionFailed, type CapturedQuery, type Executable, type IsolationLevel, type SessionOptions, type SessionSource } from './session.js';
export * from './errors.js';
export { RowBudget, RowBudgetExceeded } from './row-budget.js';
export { BoundedCache } from './bounded-cache.js';
export { assertNumQueries, captureQueries } from './testing.js';
