/**
 * ORM instances → plain response objects, for one request's plan. The
 * converter is built once per (resource, include tree, fieldsets): it knows
 * which fields to copy, which are timestamps, and which relations to walk,
 * so converting a row is a few property reads with no lookups by name.
 */
import { loaded, type ModelInstance } from '../orm/index.js';
import type { Fieldsets } from '../routes/fields-parser.js';
import type { IncludeNode } from '../routes/include-parser.js';
import type { Resource } from '../routes/resources/index.js';

export type Converter = (instance: ModelInstance) => Record<string, unknown>;

type Row = ModelInstance & Record<string, unknown>;

/** Builds the converter for `resource` rows with `children` included. */
export function compileConverter(
  resource: Resource,
  children: ReadonlyMap<string, IncludeNode>,
  fields: Fieldsets,
  resources: ReadonlyMap<string, Resource>,
): Converter {
  const names = fields.get(resource.name) ?? Object.keys(resource.fields);
  // Aligned with `names`, so converting a row does no lookup by name.
  const isTimestamp = names.map((name) => resource.fields[name].kind === 'timestamp');
  const relations = [...children].map(([name, node]) => relationWriter(name, node, fields, resources));
  return (instance) => {
    const row = instance as Row;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const value = row[name];
      out[name] = isTimestamp[i] && value !== null ? (value as Date).toISOString() : value;
    }
    for (let i = 0; i < relations.length; i++) relations[i](row, out);
    return out;
  };
}

type RelationWriter = (row: Row, out: Record<string, unknown>) => void;

function relationWriter(name: string, node: IncludeNode, fields: Fieldsets, resources: ReadonlyMap<string, Resource>): RelationWriter {
  if (node.relation.load === 'generic') {
    // The target's model decides which converter renders it (an article or a comment).
    const byModel = new Map(
      node.relation.targets.map((target) => {
        const resource = resources.get(target)!;
        return [resource.model, compileConverter(resource, new Map(), fields, resources)] as const;
      }),
    );
    return (row, out) => {
      const target = loaded(row, name) as ModelInstance | null;
      out[name] = target === null || target === undefined ? null : byModel.get(target.model)!(target);
    };
  }
  const convert = compileConverter(resources.get(node.relation.targets[0])!, node.children, fields, resources);
  if (node.relation.load === 'toMany') {
    return (row, out) => {
      out[name] = (loaded(row, name) as ModelInstance[]).map(convert);
    };
  }
  return (row, out) => {
    const related = loaded(row, name) as ModelInstance | null;
    out[name] = related === null ? null : convert(related);
  };
}
