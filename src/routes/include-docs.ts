/**
 * The OpenAPI description of a resource's `include` parameter: its relations
 * (kind, target, presets), one level of nesting, the rules and examples —
 * generated from the declarations, so the docs list exactly what the parser accepts.
 */
import { INCLUDE_LIMITS } from './include-parser.js';
import type { Resource } from './resources/index.js';
import { isCountable, type RelationShape, soleTarget } from './resources/resource.js';

/** `to-one, nullable → categories (JOIN)`, `to-many → comments (one extra query)`, `generic to-one (articles or comments, …)`. */
function kindOf(relation: RelationShape): string {
  const cardinality = relation.many ? 'to-many' : 'to-one';
  const target = soleTarget(relation);
  if (target === undefined) return `generic ${cardinality} (${relation.targets.join(' or ')}, one query per type; a leaf)`;
  const nullable = !relation.many && relation.nullable ? ', nullable' : '';
  return `${cardinality}${nullable} → ${target} (${relation.joinable ? 'JOIN' : 'one extra query'})`;
}

/** The resource a relation leads to, when nested includes can follow it. */
function targetOf(relation: RelationShape, resources: ReadonlyMap<string, Resource>): Resource | undefined {
  const target = soleTarget(relation);
  return target === undefined ? undefined : resources.get(target)!;
}

function presetsOf(relation: RelationShape, resources: ReadonlyMap<string, Resource>): string {
  if (!isCountable(relation)) return '';
  const presets = targetOf(relation, resources)!.presets;
  return presets.length ? `; presets: ${presets.map((p) => `\`${p.form}\` (${p.description})`).join(', ')}` : '';
}

/** Example include values for a resource: a plain one, a preset one, a nested one. */
export function includeExamples(resource: Resource, resources: ReadonlyMap<string, Resource>): string[] {
  const relations = Object.values(resource.relations);
  const examples: string[] = [];
  const preset = relations.find((r) => isCountable(r) && targetOf(r, resources)!.presets.length);
  const toOne = relations.find((r) => !r.many && targetOf(r, resources));
  const nested = relations.find((r) => Object.keys(targetOf(r, resources)?.relations ?? {}).length);
  if (preset) examples.push(`${preset.name}:${targetOf(preset, resources)!.presets[0].example}`);
  examples.push(relations.map((r) => r.name).join(','));
  if (nested) {
    const belowNested = Object.values(targetOf(nested, resources)!.relations);
    const below = belowNested.find((r) => soleTarget(r) !== undefined) ?? belowNested[0];
    examples.push(`${toOne && toOne !== nested ? `${toOne.name},` : ''}${nested.name}.${below.name}`);
  }
  return [...new Set(examples)];
}

/** Markdown for the `include` parameter of `resource`. */
export function describeInclude(resource: Resource, resources: ReadonlyMap<string, Resource>): string {
  const lines = Object.values(resource.relations).map((relation) => {
    const target = targetOf(relation, resources);
    const below = target ? ` — below it: ${Object.keys(target.relations).map((n) => `\`${n}\``).join(', ')}` : '';
    return `- \`${relation.name}\`: ${kindOf(relation)}${presetsOf(relation, resources)}${below}`;
  });
  return [
    `Relations to embed in each ${resource.name} object, as comma-separated paths. Relations of ${resource.name}:`,
    '',
    ...lines,
    '',
    `Nest with \`.\` (\`comments.author\`) up to ${INCLUDE_LIMITS.maxDepth} levels; a path implies its prefixes. ` +
      `Choose a preset with \`:\` on a to-many relation (\`comments:recent5\`); the same relation with two different presets is a 400, ` +
      `and a preset-less mention merges into the preset one. At most ${INCLUDE_LIMITS.maxPaths} paths and ${INCLUDE_LIMITS.maxLength} characters. ` +
      'Cost: one SQL query, plus one per to-many relation in the tree.',
    '',
    `Examples: ${includeExamples(resource, resources).map((e) => `\`${e}\``).join(', ')}`,
  ].join('\n');
}
