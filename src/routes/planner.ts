/**
 * A parsed request → one ORM QuerySet (API.md §2). To-one relations become
 * `selectRelated` JOINs in the query of their parent; each to-many relation
 * becomes a `Prefetch` whose queryset carries the preset, the fieldset, its
 * own to-one JOINs and its own to-many Prefetches. Hence exactly one query
 * plus one per to-many node (plus one per type for a generic target).
 */
import { Count, type CountAggregate, Prefetch, Q, type QuerySet } from '../orm/index.js';
import type { Fieldsets } from './fields-parser.js';
import type { FilterClause } from './filter-parser.js';
import type { ChosenCount, ChosenPreset, IncludeNode } from './include-parser.js';
import type { Resource } from './resources/index.js';
import { COUNT_SORT_PREFIX } from './sort-parser.js';

type AnyQuerySet = QuerySet<any>;
type Resources = ReadonlyMap<string, Resource>;

/** What the relations below one queryset's model add to it. */
interface Loads {
  selectRelated: string[];
  /** `only()` arguments; stays empty when no fieldset applies (load everything). */
  only: string[];
  narrowed: boolean;
  prefetch: (Prefetch | string)[];
  /** `annotate()` arguments: the counts of this queryset's objects and of its JOINed ones. */
  annotations: Record<string, CountAggregate>;
}

type Counts = ReadonlyMap<string, ChosenCount> | undefined;

/**
 * Adds the includes, counts and fieldsets below `resource` to `queryset`.
 * Counts (API.md §7) are annotations of the queryset that loads their
 * objects, named `counts.<key>` (`author__counts.<key>` for a JOINed author).
 *
 * ```ts
 * planIncludes(Article.objects, articles, tree.children, fields, resources, tree.counts)
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
  counts?: Counts,
): AnyQuerySet {
  const loads: Loads = { selectRelated: [], only: [], narrowed: false, prefetch: [], annotations: {} };
  addFields(loads, resource, '', fields);
  addCounts(loads, counts, '', resources);
  collect(loads, children, '', fields, resources);
  let planned = queryset;
  if (loads.narrowed) planned = planned.only(...loads.only);
  if (loads.selectRelated.length) planned = planned.selectRelated(...loads.selectRelated);
  if (Object.keys(loads.annotations).length) planned = planned.annotate(loads.annotations);
  if (loads.prefetch.length) planned = planned.prefetchRelated(...loads.prefetch);
  return planned;
}

/** The attribute (and ORM annotation name) holding a count on an object. */
export function countAttribute(key: string): string {
  return COUNT_SORT_PREFIX + key;
}

function addCounts(loads: Loads, counts: Counts, prefix: string, resources: Resources): void {
  if (!counts) return;
  for (const count of counts.values()) {
    const target = resources.get(count.resource.name)!;
    const queryset = presetQuerySet(target, count.preset);
    loads.annotations[prefix + countAttribute(count.key)] = Count(count.relation.name, { queryset });
  }
}

/** The target's base queryset shaped by a preset (filter, order, slice), or undefined for none. */
function presetQuerySet(target: Resource, preset: ChosenPreset | undefined): AnyQuerySet | undefined {
  return preset ? preset.preset.apply(target.model.objects as AnyQuerySet, preset.arg) : undefined;
}

function addFields(loads: Loads, resource: Resource, prefix: string, fields: Fieldsets): void {
  const chosen = fields.get(resource.name);
  if (chosen) loads.narrowed = true;
  for (const name of chosen ?? Object.keys(resource.fields)) loads.only.push(prefix + name);
}

function collect(loads: Loads, children: ReadonlyMap<string, IncludeNode>, prefix: string, fields: Fieldsets, resources: Resources): void {
  for (const [name, node] of children) {
    const path = prefix + name;
    if (node.relation.load === 'generic') {
      loads.prefetch.push(path); // one query per target type; the ORM resolves it
    } else if (node.relation.load === 'toOne') {
      const target = resources.get(node.relation.targets[0])!;
      loads.selectRelated.push(path);
      addFields(loads, target, `${path}__`, fields);
      addCounts(loads, node.counts, `${path}__`, resources);
      collect(loads, node.children, `${path}__`, fields, resources);
    } else {
      loads.prefetch.push(new Prefetch(path, relatedQuerySet(node, fields, resources)));
    }
  }
}

/** The queryset of one to-many node: preset (or the default ordering), then its own includes. */
function relatedQuerySet(node: IncludeNode, fields: Fieldsets, resources: Resources): AnyQuerySet {
  const target = resources.get(node.relation.targets[0])!;
  const shaped = presetQuerySet(target, node.preset) ?? (target.model.objects as AnyQuerySet).orderBy(...target.defaultOrdering);
  return planIncludes(shaped, target, node.children, fields, resources, node.counts);
}

/** `filter[...]` clauses as ORM filter arguments. */
export function filterArguments(clauses: readonly FilterClause[]): unknown[] {
  return clauses.map(({ field, values, orNull }) => {
    const anyOf = values.length === 1 ? { [field]: values[0] } : { [`${field}__in`]: values };
    if (!orNull) return anyOf;
    return values.length ? Q.or(anyOf, { [`${field}__isnull`]: true }) : { [`${field}__isnull`]: true };
  });
}
