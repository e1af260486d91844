/**
 * The `count` parameter (API.md §7) → counts attached to the include tree.
 *
 *   count := path ("," path)*      path := segment ("." segment)*
 *
 * A count path is an include path whose last segment is a to-many relation,
 * optionally with a filter preset (`articles:published`); every segment before
 * it must be in `include`. The count lands on the objects of the last included
 * node (`author.articles:published` → each included author). Same limits and
 * the same quality of errors as `include`: each names the offending token.
 */
import { badToken, oneOf } from '../errors.js';
import { type ChosenCount, choosePreset, type IncludeNode, type IncludeTree, splitPaths, splitSegment, splitSegments } from './include-parser.js';
import { type Catalog, isCountable, type RelationShape, type ResourceShape, soleTarget } from './resources/resource.js';

const PARAM = 'count';

type CountHolder = IncludeTree | IncludeNode;

/**
 * Parses `count` against an already parsed include tree and records each
 * count on the node whose objects get it. An absent or empty value counts nothing.
 *
 * ```ts
 * parseCount('comments,author.articles:published', tree, catalog)
 * // tree.counts: comments; tree.children.get('author').counts: articles:published
 * ```
 */
export function parseCount(raw: string | undefined, tree: IncludeTree, catalog: Catalog): void {
  for (const path of splitPaths(PARAM, raw)) addCount(tree, path, catalog);
}

/** The to-many relations of a resource: what a count may name. */
export function countableRelations(resource: ResourceShape): RelationShape[] {
  return Object.values(resource.relations).filter(isCountable);
}

/** Every key a `counts` object of `resource` can hold: each to-many relation, alone and with each filter preset. */
export function countKeys(resource: ResourceShape, catalog: Catalog): string[] {
  return countableRelations(resource).flatMap((relation) => [
    relation.name,
    ...catalog.get(relation.targets[0])!.presets.filter((preset) => !preset.sliced).map((preset) => `${relation.name}:${preset.form}`),
  ]);
}

function segmentParts(segment: string) {
  const parts = splitSegment(segment);
  if (!parts) throw badToken(PARAM, segment, `'${segment}' is not a valid count segment: expected relation or relation:preset (letters and digits)`);
  return parts;
}

function relationOn(resource: ResourceShape, name: string): RelationShape {
  const relation: RelationShape | undefined = resource.relations[name];
  if (!relation) throw badToken(PARAM, name, `unknown relation '${name}' on ${resource.name}; expected one of ${oneOf(Object.keys(resource.relations))}`);
  if (soleTarget(relation) === undefined) {
    throw badToken(PARAM, name, `'${name}' is a generic relation (${relation.targets.join(' or ')}): nothing can be counted through it`);
  }
  return relation;
}

function addCount(tree: IncludeTree, path: string, catalog: Catalog): void {
  const segments = splitSegments(PARAM, path);
  let holder: CountHolder = tree;
  let resource = tree.resource;
  for (let i = 0; i < segments.length - 1; i++) {
    const { name, presetToken } = segmentParts(segments[i]);
    relationOn(resource, name);
    const node: IncludeNode | undefined = holder.children.get(name);
    const prefix = segments.slice(0, i + 1).map((segment) => segment.split(':')[0]).join('.');
    if (!node) {
      throw badToken(PARAM, segments[i], `'${prefix}' is not in include; every relation before the counted one must be included (add include=${prefix})`);
    }
    if (presetToken !== undefined) {
      const preset = choosePreset(PARAM, resource, node.relation, node.resource, presetToken);
      if (preset.key !== node.preset?.key) {
        throw badToken(PARAM, segments[i], `'${prefix}' is included ${node.preset ? `with preset '${node.preset.key}'` : 'without a preset'}; name it as in include`);
      }
    }
    holder = node;
    resource = node.resource!;
  }
  const last = segments[segments.length - 1];
  const { name, presetToken } = segmentParts(last);
  const relation = relationOn(resource, name);
  if (!relation.many) {
    throw badToken(
      PARAM,
      name,
      `'${name}' is a to-one relation of ${resource.name}; a count names a to-many relation: ${oneOf(countableRelations(resource).map((r) => r.name))}`,
    );
  }
  const target = catalog.get(relation.targets[0])!;
  const preset = presetToken === undefined ? undefined : choosePreset(PARAM, resource, relation, target, presetToken);
  if (preset?.preset.sliced) {
    const filters = target.presets.filter((p) => !p.sliced).map((p) => p.form);
    throw badToken(
      PARAM,
      last,
      `'${preset.key}' takes a slice per parent and cannot qualify a count; count ${name}${filters.length ? ` or ${oneOf(filters.map((f) => `${name}:${f}`))}` : ''}`,
    );
  }
  const key = preset ? `${name}:${preset.key}` : name;
  const counts = (holder.counts ??= new Map<string, ChosenCount>());
  if (!counts.has(key)) counts.set(key, { key, relation, resource: target, preset });
}
