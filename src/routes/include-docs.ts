/**
 * The OpenAPI description of a resource's `include` parameter: its relations
 * (kind, target, presets), one level of nesting, the rules and examples —
 * generated from the declarations, so the docs list exactly what the parser accepts.
 */
import { INCLUDE_LIMITS } from './include-parser.js';
import type { Resource } from './resources/index.js';
import type { RelationShape } from './resources/resource.js';

function kindOf(relation: RelationShape): string {
  if (relation.load === 'generic') return `generic to-one (${relation.targets.join(' or ')}, one query per type; a leaf)`;
  if (relation.load === 'toOne') return `to-one${relation.nullable ? ', nullable' : ''} → ${relation.targets[0]} (JOIN)`;
  return `to-many → ${relation.targets[0]} (one extra query)`;
}

function presetsOf(relation: RelationShape, resources: ReadonlyMap<string, Resource>): string {
  if (relation.load !== 'toMany') return '';
  const presets = resources.get(relation.targets[0])!.presets;
  return presets.length ? `; presets: ${presets.map((p) => `\`${p.form}\` (${p.description})`).join(', ')}` : '';
}

/** Example include values for a resource: a plain one, a preset one, a nested one. */
export function includeExamples(resource: Resource, resources: ReadonlyMap<string, Resource>): string[] {
  const relations = Object.values(resource.relations);
  const examples: string[] = [];
  const preset = relations.find((r) => r.load === 'toMany' && resources.get(r.targets[0])!.presets.length);
  const toOne = relations.find((r) => r.load === 'toOne');
  const nested = relations.find((r) => r.load !== 'generic' && Object.keys(resources.get(r.targets[0])!.relations).length);
  if (preset) examples.push(`${preset.name}:${resources.get(preset.targets[0])!.presets[0].example}`);
  examples.push(relations.map((r) => r.name).join(','));
  if (nested) {
    const below = Object.values(resources.get(nested.targets[0])!.relations).find((r) => r.load !== 'generic') ?? Object.values(resources.get(nested.targets[0])!.relations)[0];
    examples.push(`${toOne && toOne !== nested ? `${toOne.name},` : ''}${nested.name}.${below.name}`);
  }
  return [...new Set(examples)];
}

/** Markdown for the `include` parameter of `resource`. */
export function describeInclude(resource: Resource, resources: ReadonlyMap<string, Resource>): string {
  const lines = Object.values(resource.relations).map((relation) => {
    const target = relation.load === 'generic' ? undefined : resources.get(relation.targets[0])!;
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
