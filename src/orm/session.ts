import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import { type Connection, type ConnectionSource, type Statement, type StatementResult, TransactionFailed } from '../db/connection.js';
import type { FetchMode } from './instance.js';
import { RowBudget } from './row-budget.js';

export { TransactionFailed };

/** What a session runs on: a `Database` (src/db/database.ts) has both. */
export interface SessionSource {
  /** Builds and compiles queries (it is never executed on by the session). */
  db: Kysely<any>;
  connect: ConnectionSource;
}

export interface SessionOptions {
  /**
   * Read in one read-only snapshot (`repeatable read, read only` on
   * PostgreSQL) from the first statement to `close()`. On PostgreSQL the
   * session then keeps one pool connection; its BEGIN travels with the first
   * statement and its COMMIT with the connection's next use. PGlite reads
   * without one: its single connection is shared by every session.
   */
  snapshot?: boolean;
  /** `SET LOCAL statement_timeout` in the snapshot and in transactions (PostgreSQL; ms, 0 or none: no limit). */
  statementTimeoutMs?: number;
  /** Most rows the session's ORM queries may load (RowBudgetExceeded past it). */
  rowBudget?: number;
  /** What touching a relation that was not loaded does on instances loaded here (default 'one'). */
  fetchMode?: FetchMode;
}

/** One statement the session ran: its SQL, parameters and how long it waited (ms). */
export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  durationMs: number;
}

/** Anything the session can run: a compiled query, a Kysely query builder, or `sql\`…\``. */
export type Executable<R> = CompiledQuery<R> | { compile(db: Kysely<any>): CompiledQuery<R> };

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/**
 * A unit of work (Django's connection plus `CaptureQueriesContext`,
 * SQLAlchemy's Session): the only way loom's ORM runs SQL. It owns
 *
 * - a connection: a pooled one (kept while a snapshot or transaction is
 *   open, else taken per statement) or the PGlite handle;
 * - the read snapshot (`snapshot: true`) and transactions, nested ones as
 *   savepoints (`transaction(fn)`);
 * - the capture of every data statement (`queries`, `count`, and
 *   `durationMs`, the wall time spent waiting, statements in flight together
 *   counted once; transaction control is timed but not counted);
 * - the row budget its ORM queries are charged to;
 * - sending statements together (`executeTogether`: one round trip on PostgreSQL).
 *
 * ```ts
 * const session = new Session(database, { snapshot: true, rowBudget: 20_000 });
 * try {
 *   const articles = await Article.objects.using(session).prefetchRelated('tags', 'comments');
 *   await session.execute(session.db.updateTable('authors').set({ bio: null }).where('id', '=', 1)); // counted too
 * } finally {
 *   await session.close();
 * }
 * session.count; // 4
 * ```
 */
export class Session {
  readonly queries: CapturedQuery[] = [];
  readonly budget: RowBudget | undefined;
  readonly fetchMode: FetchMode;
  #source: SessionSource;
  readonly #options: SessionOptions;
  /** The connection kept while a snapshot or transaction is open. */
  #pinned: Promise<Connection> | undefined;
  #snapshotOpen = false;
  #depth = 0;
  /** A statement failed inside the open snapshot or transaction. */
  #failed = false;
  #waiting = 0;
  #waitStart = 0;
  #waitMs = 0;

  constructor(source: SessionSource, options: SessionOptions = {}) {
    this.#source = source;
    this.#options = options;
    this.budget = options.rowBudget === undefined ? undefined : new RowBudget(options.rowBudget);
    this.fetchMode = options.fetchMode ?? 'one';
  }

  /** Runs `fn` in a new session and closes it (rolling back an open transaction if `fn` fails). */
  static async run<T>(source: SessionSource, options: SessionOptions, fn: (session: Session) => Promise<T>): Promise<T> {
    const session = new Session(source, options);
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  }

  /** The query builder: build with it, run through `execute` (so the statement is captured and counted). */
  get db(): Kysely<any> {
    return this.#source.db;
  }

  /**
   * Runs the session's next statements on `source` instead (read routing,
   * API.md §9: the replica, or the primary after the replica failed). An
   * open snapshot is rolled back and its connection given back first; not
   * inside a transaction. The capture and the row budget carry on.
   */
  async switchTo(source: SessionSource): Promise<void> {
    if (source === this.#source) return;
    if (this.#depth > 0) throw new Error('a session cannot change databases inside a transaction');
    await this.close();
    this.#source = source;
  }

  /** How many data statements ran. */
  get count(): number {
    return this.queries.length;
  }

  /** Wall time spent waiting for the database (ms); overlapping waits count once. */
  get durationMs(): number {
    return this.#waiting > 0 ? this.#waitMs + (performance.now() - this.#waitStart) : this.#waitMs;
  }

  /** True inside `transaction(fn)`. */
  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  /**
   * Runs one statement (a compiled query, a Kysely builder, raw `sql`) and
   * captures it; writes go here too.
   *
   * ```ts
   * const { rows } = await session.execute(session.db.insertInto('tags').values({ name: 'x', active: true }).returning('id'));
   * ```
   */
  async execute<R>(query: Executable<R>): Promise<QueryResult<R>> {
    const [result] = await this.executeTogether([query]);
    return result as QueryResult<R>;
  }

  /**
   * Runs statements together: on PostgreSQL in one pipeline (one write, one
   * round trip); an error fails them all. Results come in order.
   * `capture: false` leaves them out of `queries` and `durationMs`: for
   * diagnostics about the session's statements (EXPLAIN), never for data.
   * `snapshot: false` (with `capture: false`) runs them outside the read
   * snapshot when none is open yet, on the connection the session holds (no
   * BEGIN / COMMIT of a read-only transaction around them): for a
   * diagnostic such as the WAL position after a write's commit.
   * `maxRows`: most rows each statement delivers (on PostgreSQL the server
   * stops there); the ORM passes what is left of the row budget plus one.
   */
  async executeTogether(
    queries: readonly Executable<unknown>[],
    options: { capture?: boolean; snapshot?: boolean; maxRows?: number } = {},
  ): Promise<QueryResult<unknown>[]> {
    const compiled = queries.map((query) => ('sql' in query && 'parameters' in query ? query : query.compile(this.db)));
    const maxRows = options.maxRows;
    const statements: Statement[] = compiled.map(({ sql, parameters }) => (maxRows === undefined ? { sql, parameters } : { sql, parameters, maxRows }));
    if (options.capture === false) {
      if (options.snapshot === false && this.#depth === 0 && !this.#snapshotOpen && this.#pinned) return toQueryResults(await this.#runPinned(statements));
      return toQueryResults(await this.#run(statements));
    }
    const start = this.#startWaiting();
    let results: StatementResult[] | undefined;
    try {
      results = await this.#run(statements);
    } finally {
      const durationMs = this.#stopWaiting() - start;
      for (const { sql, parameters } of statements) this.queries.push({ sql, parameters, durationMs });
    }
    return toQueryResults(results);
  }

  /**
   * Runs `fn` in a read-write transaction on the primary and commits, or
   * rolls back if `fn` throws (or a statement in it failed). Nested calls
   * are savepoints: an error inside rolls back to it and is rethrown. `tx`
   * is this session. A read snapshot open on the session is ended first.
   *
   * ```ts
   * await session.transaction(async (tx) => {
   *   await tx.execute(tx.db.insertInto('tags').values({ name: 'a', active: true }));
   *   await tx.transaction(async () => { ... }).catch(() => {}); // a savepoint
   * });
   * ```
   */
  async transaction<T>(fn: (tx: Session) => Promise<T>, options: { isolation?: IsolationLevel } = {}): Promise<T> {
    if (this.#depth > 0) return this.#savepoint(fn);
    const connection = await this.#pin();
    if (this.#snapshotOpen) {
      connection.endSnapshot();
      this.#snapshotOpen = false;
    }
    const begin = options.isolation ? `begin isolation level ${options.isolation}` : 'begin';
    this.#depth = 1;
    this.#failed = false;
    let ended = false;
    try {
      await this.#waitFor(connection.begin([begin, ...this.#timeoutStatements()]));
      const result = await fn(this);
      ended = true;
      if (this.#failed) {
        await this.#waitFor(connection.end('rollback'));
        throw new TransactionFailed();
      }
      await this.#waitFor(connection.end('commit'));
      return result;
    } catch (error) {
      if (!ended) await this.#waitFor(connection.end('rollback')).catch(() => this.#discard());
      throw error;
    } finally {
      this.#depth = 0;
      this.#failed = false;
      if (!this.#options.snapshot) await this.#unpin(false);
    }
  }

  /** Ends the snapshot (its COMMIT may travel later) and gives the connection back. Idempotent; the session stays usable. */
  async close(): Promise<void> {
    const pinned = this.#pinned;
    if (!pinned) return;
    const connection = await pinned.catch(() => undefined);
    if (!connection || this.#pinned !== pinned) return;
    let broken = false;
    if (this.#depth > 0 || (this.#snapshotOpen && this.#failed)) {
      await connection.end('rollback').catch(() => (broken = true));
    } else if (this.#snapshotOpen) {
      connection.endSnapshot();
    }
    this.#snapshotOpen = false;
    this.#depth = 0;
    this.#failed = false;
    await this.#unpin(broken);
  }

  async #savepoint<T>(fn: (tx: Session) => Promise<T>): Promise<T> {
    const name = `loom_savepoint_${this.#depth}`;
    const connection = await this.#pin();
    await this.#control(connection, `savepoint ${name}`);
    this.#depth++;
    try {
      const result = await fn(this);
      if (this.#failed) throw new TransactionFailed();
      await this.#control(connection, `release savepoint ${name}`);
      return result;
    } catch (error) {
      await this.#control(connection, `rollback to savepoint ${name}`);
      this.#failed = false;
      throw error;
    } finally {
      this.#depth--;
    }
  }

  async #run(statements: Statement[]): Promise<StatementResult[]> {
    if (this.#depth > 0 || this.#options.snapshot) {
      const connection = await this.#pin();
      if (this.#depth === 0 && !this.#snapshotOpen) {
        connection.beginSnapshot(['begin isolation level repeatable read read only', ...this.#timeoutStatements()]);
        this.#snapshotOpen = true;
      }
      try {
        return await connection.run(statements);
      } catch (error) {
        this.#failed = true;
        throw error;
      }
    }
    const connection = await this.#source.connect();
    let broken = false;
    try {
      return await connection.run(statements);
    } catch (error) {
      broken = !isServerError(error);
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  /** Statements on the held connection, outside any transaction (each commits by itself). */
  async #runPinned(statements: Statement[]): Promise<StatementResult[]> {
    const connection = await this.#pin();
    try {
      return await connection.run(statements);
    } catch (error) {
      if (!isServerError(error)) await this.#unpin(true);
      throw error;
    }
  }

  async #control(connection: Connection, statement: string): Promise<void> {
    await this.#waitFor(connection.run([{ sql: statement, parameters: [] }]));
  }

  #timeoutStatements(): string[] {
    const timeout = Math.trunc(this.#options.statementTimeoutMs ?? 0);
    return timeout > 0 ? [`set local statement_timeout = ${timeout}`] : [];
  }

  #pin(): Promise<Connection> {
    if (!this.#pinned) {
      const pinned = this.#source.connect();
      this.#pinned = pinned;
      // A failed acquisition is not kept: the next statement tries again.
      pinned.catch(() => {
        if (this.#pinned === pinned) this.#pinned = undefined;
      });
    }
    return this.#pinned;
  }

  async #unpin(broken: boolean): Promise<void> {
    const pinned = this.#pinned;
    this.#pinned = undefined;
    (await pinned?.catch(() => undefined))?.release(broken);
  }

  #discard(): void {
    const pinned = this.#pinned;
    this.#pinned = undefined;
    void pinned?.then((connection) => connection.release(true), () => undefined);
  }

  async #waitFor<T>(promise: Promise<T>): Promise<T> {
    this.#startWaiting();
    try {
      return await promise;
    } finally {
      this.#stopWaiting();
    }
  }

  /** Starts one wait for the database; the wall time runs while any wait does. */
  #startWaiting(): number {
    const now = performance.now();
    if (this.#waiting++ === 0) this.#waitStart = now;
    return now;
  }

  #stopWaiting(): number {
    const now = performance.now();
    if (--this.#waiting === 0) this.#waitMs += now - this.#waitStart;
    return now;
  }
}

/** Kysely's result shape. */
function toQueryResults(results: StatementResult[]): QueryResult<unknown>[] {
  return results.map(({ rows, affectedRows }) => ({
    rows,
    numAffectedRows: affectedRows === undefined ? undefined : BigInt(affectedRows),
  }));
}

/** An error PostgreSQL reported (it has a SQLSTATE): the connection is fine. */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
