/**
 * ORM instances → plain response objects, for one request's plan. The
 * converter is built once per (resource, include tree, fieldsets) and is
 * generated code: one object literal per resource with the fields in a fixed
 * order, timestamps printed inline (iso-timestamp.ts), relations read from the
 * instance's cache. A loop that assigns `out[name]` for names in a list is
 * several times slower (every store is a megamorphic keyed store that walks
 * hidden-class transitions), and converting is per row of every response.
 *
 * The generated source contains only property names, written as JSON string
 * literals, of fields declared by the resources; request input selects among
 * them (a fieldset is validated against the declared fields before it gets here).
 */
import { BoundedCache, loaded, type ModelInstance } from '../orm/index.js';
import { isoTimestamp } from './iso-timestamp.js';
import type { Fieldsets } from '../routes/fields-parser.js';
import type { ChosenCount, IncludeNode } from '../routes/include-parser.js';
import { countAttribute } from '../routes/planner.js';
import type { Resource } from '../routes/resources/index.js';
import type { Viewer } from '../routes/resources/visibility.js';

/**
 * Converts one row for a viewer: who may read private fields (API.md §6,
 * `email`): `true` everyone's (admin), `null` nobody's (anonymous), or an
 * author id: the rows that author owns. Elsewhere their keys are absent.
 */
export type Converter = (instance: ModelInstance, viewer: Viewer) => Record<string, unknown>;

/** Reads one included relation of an instance and converts it. */
type RelationReader = (row: ModelInstance, viewer: Viewer) => unknown;

/**
 * Converters by plan, since building one generates and compiles code. Keys
 * come from requests (include trees, fieldsets) and are bounded by the include
 * limits; past 500 the cache starts over rather than grow.
 */
const converters = new BoundedCache<string, Converter>(500);

type Counts = ReadonlyMap<string, ChosenCount> | undefined;

/** What a converter renders below an object: its included relations and its counts. */
interface Below {
  readonly children: ReadonlyMap<string, IncludeNode>;
  readonly counts?: Counts;
}

function countsKey(counts: Counts): string {
  return counts?.size ? `#${[...counts.keys()].join('+')}` : '';
}

function treeKey({ children, counts }: Below): string {
  const relations = [...children].map(([name, node]) => (node.children.size || node.counts?.size ? `${name}(${treeKey(node)})` : name));
  return relations.join(',') + countsKey(counts);
}

/** The converter for `resource` rows with `below` (an include tree with its counts) and `fields` chosen, built once per plan. */
export function converterFor(resource: Resource, below: Below, fields: Fieldsets, resources: ReadonlyMap<string, Resource>): Converter {
  const fieldsKey = fields.size ? JSON.stringify([...fields].sort(([a], [b]) => (a < b ? -1 : 1))) : '';
  const key = `${resource.name}|${treeKey(below)}|${fieldsKey}`;
  return converters.get(key, () => compileConverter(resource, below.children, fields, resources, below.counts));
}

/** Builds the converter for `resource` rows with `children` included and `counts` (API.md §7) counted. */
function compileConverter(
  resource: Resource,
  children: ReadonlyMap<string, IncludeNode>,
  fields: Fieldsets,
  resources: ReadonlyMap<string, Resource>,
  counts?: Counts,
): Converter {
  const names = fields.get(resource.name) ?? Object.keys(resource.fields);
  const readers: RelationReader[] = [];
  const property = (name: string) => {
    const key = JSON.stringify(name);
    if (!Object.prototype.hasOwnProperty.call(resource.fields, name)) throw new Error(`${resource.name} has no field ${key}`);
    const value = `row[${key}]`;
    return resource.fields[name].kind === 'timestamp' ? `${key}: ${value} === null ? null : isoTimestamp(${value})` : `${key}: ${value}`;
  };
  // Counts and included relations follow the fields in every variant.
  const appended: string[] = [];
  if (counts?.size) {
    const values = [...counts.keys()].map((key) => `${JSON.stringify(key)}: row[${JSON.stringify(countAttribute(key))}]`);
    appended.push(`"counts": { ${values.join(', ')} }`);
  }
  for (const [name, node] of children) {
    appended.push(`${JSON.stringify(name)}: readers[${readers.length}](row, viewer)`);
    readers.push(relationReader(name, node, fields, resources));
  }
  const literal = (fieldNames: readonly string[]) => `{ ${[...fieldNames.map(property), ...appended].join(',\n    ')} }`;
  // A resource with private fields gets two literals: with them for who may read them, without for everyone else.
  const hidden = resource.privateFields?.names.filter((name) => names.includes(name)) ?? [];
  const body = hidden.length
    ? `const full = viewer === true || (viewer !== null && row[${JSON.stringify(resource.privateFields!.owner)}] === viewer);\n  return full ? ${literal(names)} : ${literal(names.filter((name) => !hidden.includes(name)))};`
    : `return ${literal(names)};`;
  const build = new Function('readers', 'isoTimestamp', `return function convert(row, viewer) {\n  ${body}\n}`);
  return build(readers, isoTimestamp) as Converter;
}

function relationReader(name: string, node: IncludeNode, fields: Fieldsets, resources: ReadonlyMap<string, Resource>): RelationReader {
  const convert = objectConverter(node, fields, resources);
  if (node.relation.many) {
    return (row, viewer) => {
      const related = loaded(row, name) as ModelInstance[];
      const out = new Array(related.length);
      for (let i = 0; i < related.length; i++) out[i] = convert(related[i], viewer);
      return out;
    };
  }
  return (row, viewer) => {
    const related = loaded(row, name) as ModelInstance | null | undefined;
    return related === null || related === undefined ? null : convert(related, viewer);
  };
}

/**
 * Converts one object of `node`'s relation, with what is included and
 * counted below it. For a polymorphic relation the object's model chooses
 * the converter (an article or a comment).
 */
function objectConverter(node: IncludeNode, fields: Fieldsets, resources: ReadonlyMap<string, Resource>): Converter {
  const byModel = new Map(
    node.relation.targets.map((target) => {
      const resource = resources.get(target)!;
      return [resource.model, compileConverter(resource, node.children, fields, resources, node.counts)] as const;
    }),
  );
  if (byModel.size === 1) return byModel.values().next().value!;
  return (instance, viewer) => byModel.get(instance.model)!(instance, viewer);
}
