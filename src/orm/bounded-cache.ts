/**
 * A cache for values whose keys come from requests (SQL templates by query
 * shape, converters by plan, cursor fingerprints by sort and filter): past
 * `max` entries it starts over rather than grow. Cheaper than LRU bookkeeping
 * on every hit, and the working set of a service refills in a few requests.
 *
 * ```ts
 * const fingerprints = new BoundedCache<string, string>(1000);
 * fingerprints.get(canonical, (text) => sha256(text));
 * ```
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly max: number) {}

  /** The value for `key`, made (and kept) by `make` on a miss. */
  get(key: K, make: (key: K) => V): V {
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = make(key);
      if (this.#entries.size >= this.max) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
