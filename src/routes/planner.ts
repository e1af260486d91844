/**
 * A parsed request → one ORM QuerySet (API.md §2). To-one relations become
 * `selectRelated` JOINs in the query of their parent; each to-many relation
 * becomes a `Prefetch` whose queryset carries the preset, the fieldset, its
 * own to-one JOINs and its own to-many Prefetches. Hence exactly one query
 * plus one per to-many node (plus one per type for a generic target).
 */
import { Prefetch, Q, type QuerySet } from '../orm/index.js';
import type { CursorValue } from './cursor.js';
import type { Fieldsets } from './fields-parser.js';
import type { FilterClause } from './filter-parser.js';
import type { IncludeNode } from './include-parser.js';
import type { Resource } from './resources/index.js';
import type { SortKey } from './sort-parser.js';

type AnyQuerySet = QuerySet<any>;
type Resources = ReadonlyMap<string, Resource>;

/** What the relations below one queryset's model add to it. */
interface Loads {
  selectRelated: string[];
  /** `only()` arguments; stays empty when no fieldset applies (load everything). */
  only: string[];
  narrowed: boolean;
  prefetch: (Prefetch | string)[];
}

/**
 * Adds the includes and fieldsets below `resource` to `queryset`.
 *
 * ```ts
 * planIncludes(Article.objects, articles, tree.children, fields, resources)
 * // .selectRelated('author').prefetchRelated(new Prefetch('comments', Comment.objects.orderBy(...).slice(0, 5)))
 * ```
 */
export function planIncludes(
  queryset: AnyQuerySet,
  resource: Resource,
  children: ReadonlyMap<string, IncludeNode>,
  fields: Fieldsets,
  resources: Resources,
): AnyQuerySet {
  const loads: Loads = { selectRelated: [], only: [], narrowed: false, prefetch: [] };
  addFields(loads, resource, '', fields);
  collect(loads, children, '', fields, resources);
  let planned = queryset;
  if (loads.narrowed) planned = planned.only(...loads.only);
  if (loads.selectRelated.length) planned = planned.selectRelated(...loads.selectRelated);
  if (loads.prefetch.length) planned = planned.prefetchRelated(...loads.prefetch);
  return planned;
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
      collect(loads, node.children, `${path}__`, fields, resources);
    } else {
      loads.prefetch.push(new Prefetch(path, relatedQuerySet(node, fields, resources)));
    }
  }
}

/** The queryset of one to-many node: preset (or the default ordering), then its own includes. */
function relatedQuerySet(node: IncludeNode, fields: Fieldsets, resources: Resources): AnyQuerySet {
  const target = resources.get(node.relation.targets[0])!;
  const base = target.model.objects as AnyQuerySet;
  const shaped = node.preset ? node.preset.preset.apply(base, node.preset.arg) : base.orderBy(...target.defaultOrdering);
  return planIncludes(shaped, target, node.children, fields, resources);
}

/** `filter[...]` clauses as ORM filter arguments. */
export function filterArguments(clauses: readonly FilterClause[]): unknown[] {
  return clauses.map(({ field, values, orNull }) => {
    const anyOf = values.length === 1 ? { [field]: values[0] } : { [`${field}__in`]: values };
    if (!orNull) return anyOf;
    return values.length ? Q.or(anyOf, { [`${field}__isnull`]: true }) : { [`${field}__isnull`]: true };
  });
}

/**
 * The keyset condition "comes after `values` in `ordering`", NULLs last in
 * both directions: for each key i, rows equal on the keys before i and after
 * on key i (greater/less, or NULL when the cursor's value is not NULL).
 */
export function keysetCondition(ordering: readonly SortKey[], values: readonly CursorValue[], resource: Resource) {
  const branches: Record<string, unknown>[] = [];
  const equal: Record<string, unknown> = {};
  ordering.forEach((key, i) => {
    const value = values[i];
    if (value !== null) {
      branches.push({ ...equal, [`${key.field}__${key.descending ? 'lt' : 'gt'}`]: value });
      if (resource.fields[key.field].nullable) branches.push({ ...equal, [`${key.field}__isnull`]: true });
    }
    Object.assign(equal, value === null ? { [`${key.field}__isnull`]: true } : { [key.field]: value });
  });
  return Q.or(...branches);
}
