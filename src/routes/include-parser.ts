/**
 * The `include` parameter (API.md §3) → a tree of relations to load.
 *
 *   include  := path ("," path)*
 *   path     := segment ("." segment)*
 *   segment  := relation [":" preset]
 *
 * Paths imply their prefixes, duplicates merge, a preset-less mention merges
 * into a preset one, two different presets at one place are an error. Every
 * error names the offending token and what would have been allowed.
 */
import { badToken, oneOf } from '../errors.js';
import { type Catalog, type Preset, type RelationShape, type ResourceShape, soleTarget } from './resources/resource.js';

export const INCLUDE_LIMITS = { maxLength: 1000, maxPaths: 20, maxDepth: 4 } as const;

/** A preset chosen for a node: the declaration, its canonical token and argument. */
export interface ChosenPreset {
  readonly preset: Preset;
  readonly key: string;
  readonly arg?: number;
}

/** A count asked for by `count=` (API.md §7) on the objects of one node: `articles:published`. */
export interface ChosenCount {
  /** The key in the response's `counts` object: relation[:preset]. */
  readonly key: string;
  readonly relation: RelationShape;
  /** The counted relation's target resource. */
  readonly resource: ResourceShape;
  readonly preset?: ChosenPreset;
}

/** One included relation and what is included below it. */
export interface IncludeNode {
  readonly relation: RelationShape;
  /** The resource the relation points at (undefined for a polymorphic relation: nothing goes below it). */
  readonly resource: ResourceShape | undefined;
  preset?: ChosenPreset;
  readonly children: Map<string, IncludeNode>;
  /** Counts on this node's objects, by key (set by the count parser). */
  counts?: Map<string, ChosenCount>;
}

/** The root: the requested resource and its included relations. */
export interface IncludeTree {
  readonly resource: ResourceShape;
  readonly children: Map<string, IncludeNode>;
  /** Counts on the top-level objects, by key (set by the count parser). */
  counts?: Map<string, ChosenCount>;
}

const NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const PARAM = 'include';

/** `relation[:preset]` → its parts, or undefined when the segment is malformed. */
export function splitSegment(segment: string): { name: string; presetToken: string | undefined } | undefined {
  const [name, presetToken, extra] = segment.split(':');
  if (!NAME.test(name) || extra !== undefined || (presetToken !== undefined && !NAME.test(presetToken))) return undefined;
  return { name, presetToken };
}

/**
 * Parses `include` for `root`. An absent or empty value includes nothing.
 *
 * ```ts
 * parseInclude('author,comments:recent5.author', articles, catalog)
 * // articles → author (to-one), comments[recent5] → author
 * ```
 */
export function parseInclude(raw: string | undefined, root: ResourceShape, catalog: Catalog): IncludeTree {
  const tree: IncludeTree = { resource: root, children: new Map() };
  for (const path of splitPaths(PARAM, raw)) addPath(tree, path, catalog);
  return tree;
}

/** The comma-separated paths of `include` or `count` within the limits (none when absent or empty), else a 400 on `param`. */
export function splitPaths(param: string, raw: string | undefined): string[] {
  if (raw === undefined || raw === '') return [];
  if (raw.length > INCLUDE_LIMITS.maxLength) {
    throw badToken(param, `${raw.slice(0, 40)}…`, `${param} is at most ${INCLUDE_LIMITS.maxLength} characters; got ${raw.length}`);
  }
  const paths = raw.split(',');
  if (paths.length > INCLUDE_LIMITS.maxPaths) {
    throw badToken(param, paths[INCLUDE_LIMITS.maxPaths], `${param} takes at most ${INCLUDE_LIMITS.maxPaths} paths; got ${paths.length}`);
  }
  return paths;
}

/** The segments of one path of `param` (include or count): not empty, at most maxDepth deep, else a 400 naming it. */
export function splitSegments(param: string, path: string): string[] {
  if (path === '') throw badToken(param, path, `empty path in ${param} (two commas in a row, or a leading/trailing comma)`);
  const segments = path.split('.');
  if (segments.length > INCLUDE_LIMITS.maxDepth) {
    throw badToken(param, path, `${param} paths are at most ${INCLUDE_LIMITS.maxDepth} relations deep; '${path}' has ${segments.length}`);
  }
  return segments;
}

function addPath(tree: IncludeTree, path: string, catalog: Catalog): void {
  const segments = splitSegments(PARAM, path);
  let resource: ResourceShape | undefined = tree.resource;
  let children = tree.children;
  let parent: IncludeNode | undefined;
  for (const segment of segments) {
    if (!resource) {
      const { name, targets } = parent!.relation;
      throw badToken(PARAM, segment, `'${name}' is a generic relation (${targets.join(' or ')}) and cannot have anything included below it`);
    }
    const parts = splitSegment(segment);
    if (!parts) {
      throw badToken(PARAM, segment, `'${segment}' is not a valid include segment: expected relation or relation:preset (letters and digits)`);
    }
    const { name, presetToken } = parts;
    const relation: RelationShape | undefined = resource.relations[name];
    if (!relation) {
      throw badToken(PARAM, name, `unknown relation '${name}' on ${resource.name}; expected one of ${oneOf(Object.keys(resource.relations))}`);
    }
    const sole = soleTarget(relation);
    const target: ResourceShape | undefined = sole === undefined ? undefined : catalog.get(sole);
    const preset: ChosenPreset | undefined = presetToken === undefined ? undefined : choosePreset(PARAM, resource, relation, target, presetToken);
    let node = children.get(name);
    if (!node) {
      node = { relation, resource: target, preset, children: new Map() };
      children.set(name, node);
    } else if (preset) {
      mergePreset(node, preset, resource, segment);
    }
    parent = node;
    resource = node.resource;
    children = node.children;
  }
}

/** The preset `token` names for `owner.relation`, or a 400 on `param` naming the token and the valid presets. */
export function choosePreset(param: string, owner: ResourceShape, relation: RelationShape, target: ResourceShape | undefined, token: string): ChosenPreset {
  const where = `${owner.name}.${relation.name}`;
  if (!relation.many) throw badToken(param, token, `'${where}' is a to-one relation and takes no preset`);
  if (!target) throw badToken(param, token, `'${where}' is a generic relation (${relation.targets.join(' or ')}) and takes no preset`);
  for (const preset of target.presets) {
    const found = preset.match(token);
    if (typeof found === 'string') throw badToken(param, token, `${where}: ${found}`);
    if (found) return { preset, key: found.key, arg: found.arg };
  }
  return badPreset(param, where, token, target.presets);
}

function badPreset(param: string, where: string, token: string, presets: readonly Preset[]): never {
  throw badToken(param, token, `unknown preset '${token}' for ${where}; expected one of ${oneOf(presets.map((p) => p.form))}`);
}

function mergePreset(node: IncludeNode, preset: ChosenPreset, owner: ResourceShape, segment: string): void {
  if (!node.preset) {
    node.preset = preset; // the earlier, preset-less mention merges into this one
  } else if (node.preset.key !== preset.key) {
    throw badToken(
      PARAM,
      segment,
      `${owner.name}.${node.relation.name} is included with two different presets ('${node.preset.key}' and '${preset.key}'); use one`,
    );
  }
}

/** Walks a tree depth-first, parents before children (for planners and tests). */
export function* walkInclude(children: Map<string, IncludeNode>, prefix: string[] = []): Generator<[string[], IncludeNode]> {
  for (const [name, node] of children) {
    const path = [...prefix, name];
    yield [path, node];
    yield* walkInclude(node.children, path);
  }
}
