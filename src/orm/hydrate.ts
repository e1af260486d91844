import { type ModelInstance, ORIGIN, type Origin, PARENT_KEY, SAVED_COLUMNS, SAVED_ROW, setRelationCache, VERSION } from './instance.js';
import type { CompiledSelect, HydrationNode } from './sql/select.js';

type Compiled = Pick<CompiledSelect, 'nodes' | 'parentKeyAlias' | 'versionAlias'>;
type Hydrator = (rows: Record<string, unknown>[], origin: Origin) => ModelInstance[];

/**
 * Turns result rows into instances: the base model's fields, each
 * select_related model stored in its parent's relation cache (null when the
 * LEFT JOIN found nothing), and the parent key of a prefetch row.
 *
 * A query shape seen twice (a template's `nodes`, select-template.ts) gets a
 * generated hydrator: one straight-line function whose loads and stores name
 * their properties, where the loop below does a keyed load and store per
 * column that V8 cannot specialise (it sees every model's fields there).
 */
export function hydrate(compiled: Compiled, rows: Record<string, unknown>[], origin: Origin): ModelInstance[] {
  const seen = generated.get(compiled.nodes);
  if (typeof seen === 'function') return seen(rows, origin);
  if (seen === undefined) generated.set(compiled.nodes, 1);
  else generated.set(compiled.nodes, generateHydrator(compiled));
  return hydrateRows(compiled, rows, origin);
}

/** Hydrators by a compiled shape's nodes: 1 after its first use, the function from its second. */
const generated = new WeakMap<readonly HydrationNode[], Hydrator | 1>();

function hydrateRows(compiled: Compiled, rows: Record<string, unknown>[], origin: Origin): ModelInstance[] {
  const { nodes, parentKeyAlias, versionAlias } = compiled;
  const result: ModelInstance[] = new Array(rows.length);
  const built: (ModelInstance | null)[] = new Array(nodes.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n];
      const parent = n === 0 ? undefined : built[node.parent];
      if (n > 0 && (parent === null || row[node.pkAlias] === null)) {
        built[n] = null;
        if (parent) setRelationCache(parent, node.relation!, null);
        continue;
      }
      const instance = new node.model.Instance() as any;
      const columns = node.columns;
      for (let c = 0; c < columns.length; c++) instance[columns[c][0]] = row[columns[c][1]];
      instance[ORIGIN] = origin;
      instance[SAVED_ROW] = row;
      instance[SAVED_COLUMNS] = columns;
      built[n] = instance;
      if (parent) setRelationCache(parent, node.relation!, instance);
    }
    const base = built[0]!;
    if (parentKeyAlias) base[PARENT_KEY] = row[parentKeyAlias];
    if (versionAlias) base[VERSION] = row[versionAlias] as string;
    result[r] = base;
  }
  origin.peers = result;
  return result;
}

/**
 * The same steps as hydrateRows, unrolled for one shape. The source holds only
 * field names and column aliases the compiler chose, written as JSON string
 * literals; constructors, column lists and symbols come in as arguments.
 */
function generateHydrator({ nodes, parentKeyAlias, versionAlias }: Compiled): Hydrator {
  const key = (name: string) => JSON.stringify(name);
  const lines: string[] = [];
  nodes.forEach((node, n) => {
    const make = [`i${n} = new C${n}();`];
    for (const [field, alias] of node.columns) make.push(`i${n}[${key(field)}] = row[${key(alias)}];`);
    make.push(`i${n}[ORIGIN] = origin; i${n}[SAVED_ROW] = row; i${n}[SAVED_COLUMNS] = columns[${n}];`);
    if (n === 0) {
      lines.push(`const i0 = new C0();`, ...make.slice(1));
      return;
    }
    const parent = `i${node.parent}`;
    const relation = key(node.relation!);
    lines.push(
      `let i${n} = null;`,
      `if (${parent} !== null && row[${key(node.pkAlias)}] !== null) { ${make.join(' ')} }`,
      `if (${parent} !== null) setRelationCache(${parent}, ${relation}, i${n});`,
    );
  });
  if (parentKeyAlias) lines.push(`i0[PARENT_KEY] = row[${key(parentKeyAlias)}];`);
  if (versionAlias) lines.push(`i0[VERSION] = row[${key(versionAlias)}];`);
  const constructors = nodes.map((_, n) => `const C${n} = models[${n}].Instance;`).join(' ');
  const source = `${constructors}
return function hydrateShape(rows, origin) {
  const result = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    ${lines.join('\n    ')}
    result[r] = i0;
  }
  origin.peers = result;
  return result;
}`;
  const build = new Function('models', 'columns', 'setRelationCache', 'ORIGIN', 'SAVED_ROW', 'SAVED_COLUMNS', 'PARENT_KEY', 'VERSION', source);
  return build(
    nodes.map((node) => node.model),
    nodes.map((node) => node.columns),
    setRelationCache,
    ORIGIN,
    SAVED_ROW,
    SAVED_COLUMNS,
    PARENT_KEY,
    VERSION,
  ) as Hydrator;
}
