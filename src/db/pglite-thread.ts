/**
 * PGlite in a worker thread. PGlite runs PostgreSQL as WebAssembly in the
 * thread that calls it: in-thread, every statement blocks the event loop for
 * as long as it runs (an include loop's levels held it 0.4-2 s, and
 * /health/live with it; bench/results/liveness.md). Behind this object the
 * statements run in a worker and the event loop only sends them and takes
 * the rows back (structured clone: Date, numbers, null, arrays and JSON
 * values arrive as they left).
 *
 * It offers what Kysely's PGliteDialect and loom's connection (connection.ts)
 * use of a PGlite: `query` (with `rowMode`), `transaction` (PGlite's
 * exclusive lock, held in the worker), `dumpDataDir`, `close`, `ready`,
 * `closed`, `waitReady`. Errors keep their SQLSTATE `code`, message and
 * details (not their class: duck-typed codes are what loom reads).
 *
 * ```ts
 * const pglite = await PGliteThread.create({});
 * const { rows } = await pglite.query('select $1::int as n', [1], { rowMode: 'object' }); // [{ n: 1 }]
 * ```
 */
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results, Transaction } from '@electric-sql/pglite';

/** What the worker is started with. */
export interface ThreadOptions {
  dataDir?: string;
  /** A data directory dump to start from (the bytes of `dumpDataDir`'s tarball). */
  loadDataDir?: Uint8Array<ArrayBuffer>;
}

/** @internal Requests to the worker (pglite-thread-worker.ts). */
export type ThreadRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] | undefined; options: QueryOptions | undefined; tx: number | undefined }
  | { id: number; op: 'begin' }
  | { id: number; op: 'rollback'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump'; compression: 'auto' | 'gzip' | 'none' | undefined }
  | { id: number; op: 'close' };

/** @internal The worker's answer to request `id` (id 0: started); a large result's first rows come ahead of it in parts. */
export type ThreadReply =
  | { id: number; result: unknown; error?: undefined; rows?: undefined }
  | { id: number; error: Record<string, unknown>; rows?: undefined }
  | { id: number; rows: unknown[] };

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void; rows?: unknown[] };

/** Query options that can cross to the worker: parsers and serializers are functions, and stay behind. */
function portable(options: QueryOptions | undefined): QueryOptions | undefined {
  if (!options) return undefined;
  const { rowMode, paramTypes } = options;
  return { rowMode, paramTypes };
}

/** The worker's error as an Error carrying the same fields. */
function revive(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message));
  Object.assign(error, fields);
  return error;
}

/**
 * In source (run by tsx) the worker is a .ts file, and a worker's entry is
 * not run through the loader its parent was started with (Node 20): a small
 * script registers tsx in the worker first. Built, it is a .js file.
 */
function startWorker(options: ThreadOptions): Worker {
  const transferList = options.loadDataDir ? [options.loadDataDir.buffer] : [];
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./pglite-thread-worker.js', import.meta.url), { workerData: options, transferList, execArgv: [] });
  }
  const entry = new URL('./pglite-thread-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  // No inherited node options: a test runner's preloads have no business in the worker.
  return new Worker(script, { eval: true, workerData: options, transferList, execArgv: [] });
}

export class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  ready = false;
  readonly waitReady: Promise<void>;

  private constructor(options: ThreadOptions) {
    this.#worker = startWorker(options);
    this.waitReady = new Promise<void>((resolve, reject) => this.#pending.set(0, { resolve: () => resolve(), reject }));
    this.waitReady.then(() => (this.ready = true), () => {});
    this.#worker.on('message', (reply: ThreadReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the PGlite worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until its PGlite is open. */
  static async create(options: ThreadOptions = {}): Promise<PGliteThread> {
    const thread = new PGliteThread(options);
    await thread.waitReady;
    return thread;
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query(sql, params, options, undefined);
  }

  /**
   * Runs `callback` in a transaction holding PGlite's exclusive lock in the
   * worker; commits when it resolves, rolls back when it throws.
   */
  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = this.#nextId;
    await this.#call({ id, op: 'begin' });
    let rolledBack = false;
    const tx = {
      query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => this.#query<R>(sql, params, options, id),
      rollback: async () => {
        rolledBack = true;
        await this.#call({ id: this.#nextId, op: 'rollback', tx: id });
      },
      get closed() {
        return rolledBack;
      },
    } as unknown as Transaction;
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      await this.#call({ id: this.#nextId, op: 'end', tx: id, commit: false }).catch(() => {});
      throw error;
    }
    await this.#call({ id: this.#nextId, op: 'end', tx: id, commit: true });
    return result;
  }

  /** The data directory as a tarball (`PGlite.dumpDataDir`). */
  async dumpDataDir(compression?: 'auto' | 'gzip' | 'none'): Promise<Blob> {
    const bytes = (await this.#call({ id: this.#nextId, op: 'dump', compression })) as Uint8Array<ArrayBuffer>;
    return new Blob([bytes]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#call({ id: this.#nextId, op: 'close' });
    } finally {
      this.#closed = true;
      await this.#worker.terminate();
    }
  }

  #query<T>(sql: string, params: unknown[] | undefined, options: QueryOptions | undefined, tx: number | undefined): Promise<Results<T>> {
    return this.#call({ id: this.#nextId, op: 'query', sql, params, options: portable(options), tx }) as Promise<Results<T>>;
  }

  #call(request: ThreadRequest): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('PGlite is closed'));
    this.#nextId++;
    // The worker keeps the process alive only while it has work: an idle, unclosed database does not hold it.
    if (this.#pending.size === 0) this.#worker.ref();
    const answer = new Promise((resolve, reject) => this.#pending.set(request.id, { resolve, reject }));
    this.#worker.postMessage(request);
    return answer;
  }

  #settle(reply: ThreadReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    if (reply.rows) {
      pending.rows ??= [];
      for (const row of reply.rows) pending.rows.push(row);
      return;
    }
    this.#pending.delete(reply.id);
    if (pending.rows && !reply.error) {
      const result = reply.result as { rows: unknown[] };
      for (const row of result.rows) pending.rows.push(row);
      result.rows = pending.rows;
    }
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error) pending.reject(revive(reply.error));
    else pending.resolve(reply.result);
  }

  #fail(error: Error): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
