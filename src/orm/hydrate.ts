import { type ModelInstance, ORIGIN, type Origin, PARENT_KEY, SAVED_COLUMNS, SAVED_ROW, setRelationCache, VERSION } from './instance.js';
import type { CompiledSelect } from './sql/select.js';

/**
 * Turns result rows into instances: the base model's fields, each
 * select_related model stored in its parent's relation cache (null when the
 * LEFT JOIN found nothing), and the parent key of a prefetch row.
 */
export function hydrate(
  compiled: Pick<CompiledSelect, 'nodes' | 'parentKeyAlias' | 'versionAlias'>,
  rows: Record<string, unknown>[],
  origin: Origin,
): ModelInstance[] {
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
