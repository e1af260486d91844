/**
 * A pg Client that puts a read snapshot's transaction control, and reads
 * asked for together, on the same writes as its queries.
 *
 * On this kind of machine a socket write to PostgreSQL costs 0.1-0.3 ms of
 * CPU in the server (measured with --cpu-prof: pg's `submit` is mostly
 * `writev`), more than planning the SQL of a small query, and each write is a
 * round trip the request waits for. A request reading in a
 * snapshot would pay a write for `BEGIN ...; SET LOCAL ...`, one per query and
 * one for `COMMIT`. Here:
 *
 * - the opening statements are held back and pipelined in front of the first
 *   query with the extended protocol: Parse/Bind/Execute for each, then the
 *   query, then one Sync. An explicit BEGIN in a pipeline opens a regular
 *   transaction block that outlives the Sync, so what follows is exactly
 *   what separate round trips would have given;
 * - the COMMIT of a read-only snapshot is held back too: the request is
 *   answered, the connection goes back to the pool, and the COMMIT travels
 *   in front of whatever the connection runs next, or on its own after
 *   `COMMIT_DELAY_MS` if it stays idle. Committing a read-only transaction
 *   changes no data, so nobody can observe the delay; the transaction holds
 *   its snapshot and its ACCESS SHARE locks that much longer (a few ms under
 *   load, at most COMMIT_DELAY_MS when idle);
 * - SELECTs asked for in the same tick (the ORM's sibling prefetches, see
 *   src/orm/fetch-side-by-side.ts) go out as one pipeline with one Sync and
 *   come back in one round trip.
 *
 * Statements are marked with the `loom:deferred…` comments. A
 * client of another kind sees plain SQL behind a comment and runs it at once,
 * so the marking is safe wherever it ends up. A query this class cannot put
 * behind held-back statements (one with a callback, a cursor) gets them sent
 * first, on their own.
 */
import pg from 'pg';

// pg's own conversion of bound values (dates, arrays, buffers), for the statements bound here.
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils;

const DEFERRED = '/* loom:deferred */ ';
const DEFERRED_COMMIT = '/* loom:deferred-commit */ commit';
const DEFERRED_ROLLBACK = '/* loom:deferred-rollback */ rollback';

/** How long an idle connection may keep a finished read-only transaction open. */
export const COMMIT_DELAY_MS = 20;

/**
 * The statements of a read-only transaction whose BEGIN and COMMIT may wait
 * for the connection's next query: `begin` (`statements` joined), `commit`
 * (for a transaction that succeeded; it only ever reads) and `rollback`.
 */
export function deferredTransaction(statements: readonly string[]): { begin: string; commit: string; rollback: string } {
  return { begin: DEFERRED + statements.join(';\n'), commit: DEFERRED_COMMIT, rollback: DEFERRED_ROLLBACK };
}

/** One statement of a pipeline and where its result goes. */
interface Entry {
  text: string;
  values: unknown[] | undefined;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * pg's Query running a pipeline: `prelude` statements (results ignored), then
 * each entry's statement, then one Sync. With a single Sync the statements
 * share an implicit transaction, and an error skips the rest of it: every
 * entry then fails with that error.
 */
class PipelinedQuery extends (pg as unknown as { Query: new (text: string, values: unknown[] | undefined) => any }).Query {
  constructor(
    readonly prelude: readonly string[],
    readonly entries: readonly Entry[],
  ) {
    // Text and values rather than a config object, which pg would copy property by property.
    super(entries[0].text, entries[0].values);
    this.callback = (error: Error | null, results?: unknown) => {
      if (error) {
        for (const entry of entries) entry.reject(error);
        return;
      }
      const all = Array.isArray(results) ? results : [results];
      entries.forEach((entry, i) => entry.resolve(all[prelude.length + i]));
    };
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: any): void {
    for (const text of this.prelude) {
      connection.parse({ text });
      connection.bind({});
      connection.execute({});
    }
    for (const { text, values } of this.entries.slice(0, -1)) {
      connection.parse({ text });
      connection.bind({ values, valueMapper: prepareValue });
      connection.describe({ type: 'P', name: '' });
      connection.execute({});
    }
    // The last entry goes through pg's own path, which adds the Sync.
    const last = this.entries[this.entries.length - 1];
    this.text = last.text;
    this.values = last.values;
    super.prepare(connection);
  }
}

const READ = /^\s*select\b/i;

const emptyResult = (command: string) => ({ command, rowCount: null, rows: [], fields: [], oid: null });

export class PipeliningClient extends pg.Client {
  /** Statements held back for the next query: a pending COMMIT, then opening statements. */
  #commitPending = false;
  #opening: string[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  /** Plain queries asked for in the current tick, sent together at its end. */
  #batch: Entry[] | undefined;

  /**
   * The pool calls this on release. Opening statements that no query
   * followed are dropped; a pending COMMIT waits for the next user, or is
   * sent after COMMIT_DELAY_MS.
   */
  released(): void {
    this.#opening = [];
    if (this.#commitPending && !this.#idleTimer) {
      this.#idleTimer = setTimeout(() => this.#flush(), COMMIT_DELAY_MS).unref();
    }
  }

  override query(config: any, values?: any, callback?: any): any {
    const plain = typeof config === 'string' && typeof values !== 'function' && !callback;
    const marked = plain && (config.startsWith(DEFERRED) || config === DEFERRED_COMMIT || config === DEFERRED_ROLLBACK);
    // Whatever is not batched must not overtake the queries batched before it.
    if (this.#batch && (marked || !plain)) this.#send();
    if (plain && config.startsWith(DEFERRED)) {
      this.#opening.push(...config.slice(DEFERRED.length).split(';\n'));
      return Promise.resolve(emptyResult('BEGIN'));
    }
    if (plain && (config === DEFERRED_COMMIT || config === DEFERRED_ROLLBACK) && this.#opening.length) {
      // Nothing ran since the transaction was asked for: there is nothing to end.
      this.#opening = [];
      return Promise.resolve(emptyResult(config === DEFERRED_COMMIT ? 'COMMIT' : 'ROLLBACK'));
    }
    if (plain && config === DEFERRED_COMMIT) {
      this.#commitPending = true;
      return Promise.resolve(emptyResult('COMMIT'));
    }
    if (!plain) {
      // pg runs a client's queries in order: the held-back statements go first, on their own.
      this.#flush();
      return super.query(config, values, callback);
    }
    return new Promise((resolve, reject) => {
      const entry: Entry = { text: config, values, resolve, reject };
      if (this.#batch) {
        this.#batch.push(entry);
        return;
      }
      this.#batch = [entry];
      queueMicrotask(() => this.#send());
    });
  }

  /**
   * Sends the queries asked for in one tick. Reads (SELECTs, which is what the
   * ORM runs side by side: sibling prefetches) share one pipeline; anything
   * else goes on its own, as pg would have sent it.
   */
  #send(): void {
    const batch = this.#batch;
    if (!batch) return; // already sent, ahead of a query that must not overtake it
    this.#batch = undefined;
    const prelude = this.#takePrelude();
    const reads = batch.length > 1 && batch.every((entry) => READ.test(entry.text));
    const groups = reads ? [batch] : batch.map((entry) => [entry]);
    groups.forEach((entries, i) => {
      const head = i === 0 ? prelude : [];
      if (head.length === 0 && entries.length === 1) {
        const [{ text, values, resolve, reject }] = entries;
        super.query(text, values).then(resolve, reject);
      } else {
        super.query(new PipelinedQuery(head, entries) as unknown as pg.Submittable);
      }
    });
  }

  #takePrelude(): string[] {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const prelude = this.#commitPending ? ['commit', ...this.#opening] : this.#opening;
    this.#commitPending = false;
    this.#opening = [];
    return prelude;
  }

  /**
   * Sends the held-back statements on their own (a connection left idle, or
   * ahead of a query that cannot carry them). A failure means the connection
   * is gone, which ends the transaction anyway.
   */
  #flush(): void {
    const prelude = this.#takePrelude();
    if (prelude.length) super.query(prelude.join(';\n')).catch(() => undefined);
  }
}
