/**
 * A parsed request → one ORM QuerySet (API.md §2). To-one relations become
 * `selectRelated` JOINs in the query of their parent; each to-many relation
 * becomes a `Prefetch` whose queryset carries the preset, the fieldset, its
 * own to-one JOINs and its own to-many Prefetches. Hence exactly one query
 * plus one per to-many node (plus one per type for a generic target).
 *
 * Visibility (API.md §6) is planned at every node, as a condition inside the
 * query that loads it, so no include path can reach a row its principal may
 * not see and no query is added: the caller filters the top level with
 * `resource.visibility(principal)`; every Prefetch queryset is filtered
 * before its preset slices it (`recentN` is taken among visible rows); a
 * to-one JOIN keeps its row only when visible (`selectRelatedIf`, else
 * `null`); a count counts visible rows. A node needs no condition when its
 * parent's visibility already implies its own (`visibilityBelow`): a comment
 * under a visible article, or the article of a visible comment.
 */
import type { Principal } from '../auth/principal.js';
import { Count, type CountAggregate, type FilterNode, Prefetch, Q, type QuerySet } from '../orm/index.js';
import type { Fieldsets } from './fields-parser.js';
import type { FilterClause } from './filter-parser.js';
import type { ChosenCount, ChosenPreset, IncludeNode } from './include-parser.js';
import type { Resource } from './resources/index.js';
import { soleTarget } from './resources/resource.js';
import { COUNT_SORT_PREFIX } from './sort-parser.js';

type AnyQuerySet = QuerySet<any>;
type Resources = ReadonlyMap<string, Resource>;

/** What every node of one plan shares. */
interface PlanContext {
  readonly fields: Fieldsets;
  readonly resources: Resources;
  readonly principal: Principal;
}

/** What the relations below one queryset's model add to it. */
interface Loads {
  selectRelated: string[];
  /** To-one JOINs whose row must meet a visibility condition. */
  conditioned: [string, FilterNode][];
  /** `only()` arguments; stays empty when no fieldset applies (load everything). */
  only: string[];
  narrowed: boolean;
  prefetch: (Prefetch | string)[];
  /** `annotate()` arguments: the counts of this queryset's objects and of its JOINed ones. */
  annotations: Record<string, CountAggregate>;
}

type Counts = ReadonlyMap<string, ChosenCount> | undefined;

/**
 * Adds the includes, counts and fieldsets below `resource` to `queryset`,
 * each node narrowed to what `principal` may see (the top level is the
 * caller's: `resource.visibility(principal)`). Counts (API.md §7) are
 * annotations of the queryset that loads their objects, named
 * `counts.<key>` (`author__counts.<key>` for a JOINed author).
 *
 * ```ts
 * planIncludes(Article.objects, articles, tree.children, fields, resources, principal, tree.counts)
 * // .selectRelated('author').prefetchRelated(new Prefetch('comments', Comment.objects.orderBy(...).slice(0, 5)))
 * // .annotate({ 'counts.tags': Count('tags') })
 * ```
 */
export function planIncludes(
  queryset: AnyQuerySet,
  resource: Resource,
  children: ReadonlyMap<string, IncludeNode>,
  fields: Fieldsets,
  resources: Resources,
  principal: Principal,
  counts?: Counts,
): AnyQuerySet {
  return planBelow(queryset, resource, children, counts, { fields, resources, principal });
}

function planBelow(queryset: AnyQuerySet, resource: Resource, children: ReadonlyMap<string, IncludeNode>, counts: Counts, context: PlanContext): AnyQuerySet {
  const loads: Loads = { selectRelated: [], conditioned: [], only: [], narrowed: false, prefetch: [], annotations: {} };
  addFields(loads, resource, '', context.fields);
  addCounts(loads, resource, counts, '', context);
  collect(loads, resource, children, '', context);
  let planned = queryset;
  if (loads.narrowed) planned = planned.only(...loads.only);
  if (loads.selectRelated.length) planned = planned.selectRelated(...loads.selectRelated);
  for (const [path, condition] of loads.conditioned) planned = planned.selectRelatedIf(path, condition);
  if (Object.keys(loads.annotations).length) planned = planned.annotate(loads.annotations);
  if (loads.prefetch.length) planned = planned.prefetchRelated(...loads.prefetch);
  return planned;
}

/** The attribute (and ORM annotation name) holding a count on an object. */
export function countAttribute(key: string): string {
  return COUNT_SORT_PREFIX + key;
}

/**
 * The condition on `target` rows reached from visible `parent` rows through
 * `relation` for `principal`; undefined when every such row is visible. It is
 * implied (undefined) when the parent follows that relation (the article of a
 * visible comment, the target of a visible reaction) or the target follows
 * the way back (the comments of a visible article, the reactions on it).
 */
export function visibilityBelow(parent: Resource, relation: string, target: Resource, principal: Principal): FilterNode | undefined {
  if (parent.follows === relation) return undefined;
  if (target.follows && parent.model.meta.relations[relation].isInverseOf(target.model.meta.relations[target.follows])) return undefined;
  return target.visibility(principal);
}

/** Counts of visible related rows, as annotations of `parent`'s queryset. */
function addCounts(loads: Loads, parent: Resource, counts: Counts, prefix: string, context: PlanContext): void {
  if (!counts) return;
  for (const count of counts.values()) {
    const target = context.resources.get(count.resource.name)!;
    const queryset = visibleQuerySet(parent, count.relation.name, target, count.preset, context.principal);
    loads.annotations[prefix + countAttribute(count.key)] = Count(count.relation.name, { queryset });
  }
}

/**
 * The target's rows that `principal` may see below `parent` through
 * `relation`, shaped by a preset (filter, order, slice): the preset slices
 * among visible rows. Undefined when there is neither condition nor preset.
 */
function visibleQuerySet(parent: Resource, relation: string, target: Resource, preset: ChosenPreset | undefined, principal: Principal): AnyQuerySet | undefined {
  const condition = visibilityBelow(parent, relation, target, principal);
  if (!condition && !preset) return undefined;
  const base = condition ? (target.model.objects as AnyQuerySet).filter(condition) : (target.model.objects as AnyQuerySet);
  return preset ? preset.preset.apply(base, preset.arg) : base;
}

function addFields(loads: Loads, resource: Resource, prefix: string, fields: Fieldsets): void {
  const chosen = fields.get(resource.name);
  if (chosen) loads.narrowed = true;
  for (const name of chosen ?? Object.keys(resource.fields)) loads.only.push(prefix + name);
}

function collect(loads: Loads, parent: Resource, children: ReadonlyMap<string, IncludeNode>, prefix: string, context: PlanContext): void {
  const { resources, principal } = context;
  for (const [name, node] of children) {
    const path = prefix + name;
    const sole = soleTarget(node.relation);
    if (sole === undefined) {
      // Polymorphic: one query per target type; the ORM resolves it. No type needs a condition here (test/auth/visibility.test.ts).
      for (const type of node.relation.targets) {
        if (visibilityBelow(parent, name, resources.get(type)!, principal)) {
          throw new Error(`${parent.name}.${name}: a generic target with a visibility condition of its own is not planned`);
        }
      }
      loads.prefetch.push(path);
    } else if (node.relation.joinable) {
      const target = resources.get(sole)!;
      loads.selectRelated.push(path);
      const condition = visibilityBelow(parent, name, target, principal);
      if (condition) loads.conditioned.push([path, condition]);
      addFields(loads, target, `${path}__`, context.fields);
      addCounts(loads, target, node.counts, `${path}__`, context);
      collect(loads, target, node.children, `${path}__`, context);
    } else {
      loads.prefetch.push(new Prefetch(path, relatedQuerySet(parent, name, node, context)));
    }
  }
}

/** The queryset of a node loaded by a query of its own: visible rows, then the preset (or the default ordering), then its own includes and counts. */
function relatedQuerySet(parent: Resource, name: string, node: IncludeNode, context: PlanContext): AnyQuerySet {
  const target = context.resources.get(soleTarget(node.relation)!)!;
  const shaped =
    visibleQuerySet(parent, name, target, node.preset, context.principal) ?? (target.model.objects as AnyQuerySet);
  const ordered = node.preset ? shaped : shaped.orderBy(...target.defaultOrdering);
  return planBelow(ordered, target, node.children, node.counts, context);
}

/** `filter[...]` clauses as ORM filter arguments. */
export function filterArguments(clauses: readonly FilterClause[]): unknown[] {
  return clauses.map(({ field, values, orNull }) => {
    const anyOf = values.length === 1 ? { [field]: values[0] } : { [`${field}__in`]: values };
    if (!orNull) return anyOf;
    return values.length ? Q.or(anyOf, { [`${field}__isnull`]: true }) : { [`${field}__isnull`]: true };
  });
}
