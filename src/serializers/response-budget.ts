/**
 * The response budget: how many objects a response would render, and about
 * how many bytes, decided from the loaded instances before anything is
 * converted or serialized. The row budget counts SQL rows; a response can be
 * far larger than its rows, because one row is rendered wherever it appears
 * (`tags?include=articles.tags.articles`: every popular tag's articles under
 * every article that has that tag). Converting such a tree took seconds and
 * its JSON did not fit in a string.
 *
 * The measure walks the include tree level by level, carrying for each
 * distinct instance at a node the number of times it appears there (its
 * multiplicity): a child appears once per appearance of each parent that
 * holds it. The work is one step per (parent, child) pair loaded, i.e. linear
 * in the rows, whatever the size of the response they would expand into.
 *
 * Bytes are estimated from the values (string lengths, digits, keys and
 * punctuation): exact for ASCII text without escapes, an underestimate
 * otherwise; the byte cap is a guard against huge bodies, not an exact limit.
 */
import { loaded, type ModelInstance } from '../orm/index.js';
import { problems } from '../errors.js';
import type { Fieldsets } from '../routes/fields-parser.js';
import type { IncludeNode } from '../routes/include-parser.js';
import type { Resource } from '../routes/resources/index.js';

export interface ResponseLimits {
  /** Most objects one response may render (every object in the tree, repeats included). */
  maxObjects: number;
  /** Most bytes (estimated) one response body may have. */
  maxBytes: number;
}

/** Defaults (docs/DEPLOY.md): a page of 100 articles with author, category, tags and 5 comments each is ~1,000 objects (1,022 on the demo data), ~150 KB. */
export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = { maxObjects: 50_000, maxBytes: 16 * 1024 * 1024 };

type Resources = ReadonlyMap<string, Resource>;

/** Instances at one node with how many times each appears in the response. */
type Level = Map<ModelInstance, number>;

/** What a node of the tree would render. */
interface NodeSize {
  path: string;
  objects: number;
  bytes: number;
}

/** Characters of a number's JSON form; integers counted without building the string. */
function numberBytes(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) return String(value).length;
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number') return numberBytes(value);
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (value instanceof Date) return 26; // "2025-01-02T03:04:05.000Z"
  return 16;
}

/** One object's own bytes: `{"name":value,...}` for its rendered fields, plus room for counts. */
function ownBytes(instance: ModelInstance, fields: readonly string[]): number {
  let bytes = 2;
  const row = instance as unknown as Record<string, unknown>;
  for (const name of fields) bytes += name.length + 4 + valueBytes(row[name]);
  return bytes;
}

function renderedFields(resource: Resource, fieldsets: Fieldsets): readonly string[] {
  return fieldsets.get(resource.name) ?? Object.keys(resource.fields);
}

/**
 * Measures the tree under `rows` and refuses it with a 400 that names the
 * include path whose subtree is largest when it is over `limits`.
 */
export function enforceResponseBudget(
  rows: readonly ModelInstance[],
  resource: Resource,
  children: ReadonlyMap<string, IncludeNode>,
  fieldsets: Fieldsets,
  resources: Resources,
  limits: ResponseLimits,
): void {
  // Each model's rendered fields, looked up once per response rather than once per object.
  const fieldsByModel = new Map<unknown, readonly string[]>();
  const fieldsOf = (instance: ModelInstance): readonly string[] => {
    let fields = fieldsByModel.get(instance.model);
    if (!fields) {
      const owner = [...resources.values()].find((r) => r.model === instance.model)!;
      fields = renderedFields(owner, fieldsets);
      fieldsByModel.set(instance.model, fields);
    }
    return fields;
  };
  const rootFields = renderedFields(resource, fieldsets);
  let objects = rows.length;
  let bytes = 0;
  for (const row of rows) bytes += ownBytes(row, rootFields) + 1;
  const sizes: NodeSize[] = [];
  const root: Level = new Map(rows.map((row) => [row, 1]));
  // Breadth-first: every node's level is built from its parent's.
  const pending: [string, ReadonlyMap<string, IncludeNode>, Level][] = [['', children, root]];
  while (pending.length) {
    const [prefix, nodes, parents] = pending.shift()!;
    for (const [name, node] of nodes) {
      const path = prefix ? `${prefix}.${name}` : name;
      const level: Level = new Map();
      const size: NodeSize = { path, objects: 0, bytes: 0 };
      // A leaf's rows are only counted: no level to carry down, so no map of them.
      const leaf = node.children.size === 0;
      for (const [parent, times] of parents) {
        const value = loaded(parent, name) as ModelInstance[] | ModelInstance | null;
        size.bytes += times * (name.length + 5); // "name":[] or "name":null
        if (value === null) continue;
        const related = Array.isArray(value) ? value : [value];
        size.objects += times * related.length;
        for (const child of related) {
          if (leaf) size.bytes += times * (ownBytes(child, fieldsOf(child)) + 1);
          else level.set(child, (level.get(child) ?? 0) + times);
        }
      }
      for (const [child, times] of level) size.bytes += times * (ownBytes(child, fieldsOf(child)) + 1);
      objects += size.objects;
      bytes += size.bytes;
      sizes.push(size);
      if (objects > limits.maxObjects || bytes > limits.maxBytes) throw overBudget(sizes, objects, bytes, limits);
      if (node.children.size) pending.push([path, node.children, level]);
    }
  }
}

function overBudget(sizes: readonly NodeSize[], objects: number, bytes: number, limits: ResponseLimits) {
  const byObjects = objects > limits.maxObjects;
  const largest = sizes.reduce((a, b) => ((byObjects ? b.objects > a.objects : b.bytes > a.bytes) ? b : a));
  return problems.responseTooLarge({
    include: largest.path,
    what: byObjects ? `more than ${limits.maxObjects} objects` : `more than ${limits.maxBytes} bytes`,
  });
}
