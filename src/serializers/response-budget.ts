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
 * holds it. The work is linear in the rows loaded, whatever the size of the
 * response they would expand into, and it runs as the levels are loaded
 * (ResponseMeter), so a loop is refused before its deepest queries run.
 *
 * Bytes are estimated from the values (string lengths, digits, keys and
 * punctuation): exact for ASCII text without escapes, an underestimate
 * otherwise; the byte cap is a guard against huge bodies, not an exact limit.
 */
import { BoundedCache, type FieldKind, isLoaded, loaded, type ModelInstance } from '../orm/index.js';
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
  // Compared with powers of ten rather than divided down: no intermediate doubles to box.
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
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

/** Measures one object's own bytes. */
type Sizer = (instance: ModelInstance) => number;

/**
 * Sizers by resource and rendered fields: generated code whose loads name
 * their properties and whose constant part (keys, quotes, commas, braces) is
 * added up once. A loop over the field names did a keyed load per field that
 * V8 could not specialise (it sees every model's fields there), and the meter
 * sizes every object a response holds.
 */
const sizers = new BoundedCache<string, Sizer>(500);

/** The expression for one value's bytes, by the field's kind; anything unexpected goes to valueBytes. */
function valueBytesSource(kind: FieldKind, value: string): string {
  switch (kind) {
    case 'text':
      return `(typeof ${value} === "string" ? ${value}.length + 2 : valueBytes(${value}))`;
    case 'timestamp':
      return `(${value} instanceof Date ? 26 : valueBytes(${value}))`;
    case 'boolean':
      return `(${value} === true ? 4 : ${value} === false ? 5 : valueBytes(${value}))`;
    default:
      return `(typeof ${value} === "number" ? numberBytes(${value}) : valueBytes(${value}))`;
  }
}

/** One object's own bytes: `{"name":value,...}` for its rendered fields, plus room for counts. */
function sizerFor(resource: Resource, fields: readonly string[]): Sizer {
  return sizers.get(`${resource.name}|${fields.join(',')}`, () => {
    const constant = 2 + fields.reduce((sum, name) => sum + name.length + 4, 0);
    const values = fields.map((name) => valueBytesSource(resource.fields[name].kind, `row[${JSON.stringify(name)}]`));
    const body = `return ${[String(constant), ...values].join(' + ')};`;
    return new Function('valueBytes', 'numberBytes', `return function ownBytes(row) { ${body} }`)(valueBytes, numberBytes) as Sizer;
  });
}

function renderedFields(resource: Resource, fieldsets: Fieldsets): readonly string[] {
  return fieldsets.get(resource.name) ?? Object.keys(resource.fields);
}

/**
 * Up to this many (parent, child) pairs a leaf is measured pair by pair
 * (#measureLeaf): at most this many sizer calls, a fraction of a millisecond.
 */
const DIRECT_PAIRS = 10_000;

/** How many (parent, child) pairs `parents` hold in relation `name`. */
function heldPairs(parents: Level, name: string): number {
  let pairs = 0;
  for (const parent of parents.keys()) {
    const value = loaded(parent, name) as ModelInstance[] | ModelInstance | null;
    if (value !== null) pairs += Array.isArray(value) ? value.length : 1;
  }
  return pairs;
}

/** A node of the include tree waiting for its relation to be loaded on its parents. */
interface PendingNode {
  path: string;
  name: string;
  node: IncludeNode;
  parents: Level;
}

/**
 * Measures the tree under the root rows as it is loaded, and refuses it with
 * a 400 naming the include path whose subtree is largest as soon as what is
 * loaded already goes over the limits: `measure` runs after each prefetch
 * query (QuerySet.onPrefetched), so a loop is refused before its deeper
 * levels are queried or hydrated, and once more when everything is loaded.
 * Each node is measured once, when its relation is loaded on its parents.
 */
export class ResponseMeter {
  readonly #limits: ResponseLimits;
  readonly #fieldsets: Fieldsets;
  readonly #resources: Resources;
  readonly #resource: Resource;
  readonly #children: ReadonlyMap<string, IncludeNode>;
  /** Each model's sizer, looked up once per response rather than once per object. */
  readonly #sizerByModel = new Map<unknown, Sizer>();
  #started = false;
  #pending: PendingNode[] = [];
  #objects = 0;
  #bytes = 0;
  readonly #sizes: NodeSize[] = [];

  constructor(resource: Resource, children: ReadonlyMap<string, IncludeNode>, fieldsets: Fieldsets, resources: Resources, limits: ResponseLimits) {
    this.#resource = resource;
    this.#children = children;
    this.#fieldsets = fieldsets;
    this.#resources = resources;
    this.#limits = limits;
  }

  /** Measures what is loaded under `rows` (the same rows every call) and was not measured yet; throws past a limit. */
  measure(rows: readonly ModelInstance[]): void {
    if (!this.#started) this.#start(rows);
    // Breadth-first, as loaded: a node's level is built from its parent's once its relation is there.
    for (let i = 0; i < this.#pending.length; i++) {
      const item = this.#pending[i];
      const first = item.parents.keys().next().value;
      if (first && !isLoaded(first, item.name)) continue;
      this.#pending.splice(i--, 1);
      this.#measureNode(item);
      if (this.#objects > this.#limits.maxObjects || this.#bytes > this.#limits.maxBytes) throw this.#overBudget();
    }
  }

  #start(rows: readonly ModelInstance[]): void {
    this.#started = true;
    const ownBytes = sizerFor(this.#resource, renderedFields(this.#resource, this.#fieldsets));
    this.#objects = rows.length;
    for (const row of rows) this.#bytes += ownBytes(row) + 1;
    this.#enqueue('', this.#children, new Map(rows.map((row) => [row, 1])));
  }

  #enqueue(prefix: string, nodes: ReadonlyMap<string, IncludeNode>, parents: Level): void {
    for (const [name, node] of nodes) this.#pending.push({ path: prefix ? `${prefix}.${name}` : name, name, node, parents });
  }

  #measureNode({ path, name, node, parents }: PendingNode): void {
    const size: NodeSize = { path, objects: 0, bytes: 0 };
    if (node.children.size === 0 && heldPairs(parents, name) <= DIRECT_PAIRS) this.#measureLeaf(size, name, parents);
    else this.#measureShared(size, name, node, parents);
    this.#objects += size.objects;
    this.#bytes += size.bytes;
    this.#sizes.push(size);
  }

  /**
   * A leaf whose parents hold few (parent, child) pairs in all (a page's
   * tags, its five comments each): each pair is added as it is met, without
   * the maps #measureShared builds, which were most of what the meter
   * allocated on such a page.
   */
  #measureLeaf(size: NodeSize, name: string, parents: Level): void {
    let objects = 0;
    let bytes = 0;
    parents.forEach((times, parent) => {
      bytes += times * (name.length + 5); // "name":[] or "name":null
      const value = loaded(parent, name) as ModelInstance[] | ModelInstance | null;
      if (value === null) return;
      if (!Array.isArray(value)) {
        objects += times;
        bytes += times * this.#bytesOf(value);
        return;
      }
      for (let i = 0; i < value.length; i++) bytes += times * this.#bytesOf(value[i]);
      objects += times * value.length;
    });
    size.objects += objects;
    size.bytes += bytes;
  }

  #measureShared(size: NodeSize, name: string, node: IncludeNode, parents: Level): void {
    // Parents that hold the same loaded value (a prefetch gives every parent
    // with one key the same array) are added up first: the walk is linear in
    // the rows loaded, not in the (parent, child) pairs a loop multiplies.
    const held = new Map<ModelInstance[] | ModelInstance, number>();
    for (const [parent, times] of parents) {
      size.bytes += times * (name.length + 5); // "name":[] or "name":null
      const value = loaded(parent, name) as ModelInstance[] | ModelInstance | null;
      if (value !== null) held.set(value, (held.get(value) ?? 0) + times);
    }
    // A leaf's children need no level of their own: their bytes are added as they are met.
    const level: Level | undefined = node.children.size ? new Map() : undefined;
    const add = (child: ModelInstance, times: number) => {
      size.objects += times;
      if (level) level.set(child, (level.get(child) ?? 0) + times);
      else size.bytes += times * this.#bytesOf(child);
    };
    for (const [value, times] of held) {
      if (Array.isArray(value)) for (const child of value) add(child, times);
      else add(value, times);
    }
    if (level) for (const [child, times] of level) size.bytes += times * this.#bytesOf(child);
    if (level) this.#enqueue(size.path, node.children, level);
  }

  /** An object's bytes in a list or under its key: its own, plus the comma after it. */
  #bytesOf(instance: ModelInstance): number {
    return this.#sizerOf(instance)(instance) + 1;
  }

  #sizerOf(instance: ModelInstance): Sizer {
    let sizer = this.#sizerByModel.get(instance.model);
    if (!sizer) {
      const owner = [...this.#resources.values()].find((r) => r.model === instance.model)!;
      sizer = sizerFor(owner, renderedFields(owner, this.#fieldsets));
      this.#sizerByModel.set(instance.model, sizer);
    }
    return sizer;
  }

  #overBudget() {
    return overBudget(this.#sizes, this.#objects, this.#bytes, this.#limits);
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
