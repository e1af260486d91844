/**
 * What a session (src/orm/session.ts) runs its statements on: one pg
 * connection from the pool, or the PGlite handle. Both speak the same small
 * API, so the session never asks which database it is on.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PGliteThread } from './pglite-thread.js';
import type pg from 'pg';
import type { PipeliningClient } from './pipelining-client.js';

export interface Statement {
  sql: string;
  parameters: readonly unknown[];
  /**
   * Most rows to deliver: on pg the server stops there (Execute's row limit,
   * pg-pipeline.ts), so rows that would be refused are neither shipped nor
   * parsed. PGlite delivers all (it runs in a worker under `npm start`).
   */
  maxRows?: number;
}

/** A statement's rows, and how many rows a write touched (undefined for a read). */
export interface StatementResult {
  rows: Record<string, unknown>[];
  affectedRows: number | undefined;
  /** The server's command tag (`SELECT`, `INSERT`, `COMMIT`, `ROLLBACK` …), when known. */
  command: string | undefined;
}

export interface Connection {
  /** Runs statements (at least one) together: on pg one pipeline, one round trip; results in order. */
  run(statements: readonly Statement[]): Promise<StatementResult[]>;
  /** Opens a read-only snapshot: on pg its opening statements travel with the next statement. */
  beginSnapshot(statements: readonly string[]): void;
  /** Ends the snapshot: its COMMIT may be held back (a read-only transaction changes nothing). */
  endSnapshot(): void;
  /** Opens a read-write transaction (exclusive on PGlite). */
  begin(statements: readonly string[]): Promise<void>;
  /** Ends the transaction now; rejects when a COMMIT found it failed. */
  end(statement: 'commit' | 'rollback'): Promise<void>;
  /** Gives the connection back; `broken`: do not reuse it. */
  release(broken: boolean): void;
}

/** A PGlite in this thread, or one in a worker thread (pglite-thread.ts): the same calls. */
export type PGliteHandle = PGlite | PGliteThread;

/** Where sessions get their connections (`Database.connect`). */
export type ConnectionSource = () => Promise<Connection>;

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

export class TransactionFailed extends Error {
  override name = 'TransactionFailed';
  constructor() {
    super('the transaction had failed: COMMIT rolled it back');
  }
}

function fromPg(result: pg.QueryResult<Record<string, unknown>>): StatementResult {
  const command = result.command;
  return { rows: result.rows ?? [], affectedRows: WRITES.has(command) ? (result.rowCount ?? 0) : undefined, command };
}

class PgConnection implements Connection {
  constructor(readonly client: PipeliningClient & pg.PoolClient) {}

  async run(statements: readonly Statement[]): Promise<StatementResult[]> {
    const results = await this.client.together(statements.map((s) => ({ text: s.sql, values: s.parameters, maxRows: s.maxRows })));
    return results.map(fromPg);
  }

  beginSnapshot(statements: readonly string[]): void {
    this.client.beginDeferred(statements);
  }

  endSnapshot(): void {
    this.client.commitDeferred();
  }

  async begin(statements: readonly string[]): Promise<void> {
    this.client.beginDeferred(statements);
  }

  async end(statement: 'commit' | 'rollback'): Promise<void> {
    const command = await this.client.finish(statement);
    if (statement === 'commit' && command === 'ROLLBACK') throw new TransactionFailed();
  }

  release(broken: boolean): void {
    this.client.release(broken || undefined);
  }
}

/** The pool's connections, with the pipelining client's API. */
export function pgConnections(pool: pg.Pool): ConnectionSource {
  return async () => new PgConnection((await pool.connect()) as PipeliningClient & pg.PoolClient);
}

/**
 * The PGlite handle. It is one connection shared by every session: reads run
 * without a transaction (one would interleave with other sessions' queries),
 * a read-write transaction holds PGlite's exclusive lock, so other sessions'
 * statements wait until it ends.
 */
class PGliteConnection implements Connection {
  #transaction: Transaction | undefined;
  #finish: ((commit: boolean) => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(readonly pglite: PGliteHandle) {}

  async run(statements: readonly Statement[]): Promise<StatementResult[]> {
    const target = this.#transaction ?? this.pglite;
    const results: StatementResult[] = [];
    for (const { sql, parameters } of statements) {
      const { rows, affectedRows } = await target.query<Record<string, unknown>>(sql, parameters as unknown[], { rowMode: 'object' });
      results.push({ rows, affectedRows: affectedRows ?? undefined, command: undefined });
    }
    return results;
  }

  beginSnapshot(): void {}

  endSnapshot(): void {}

  async begin(): Promise<void> {
    let begun!: () => void;
    const ready = new Promise<void>((resolve) => (begun = resolve));
    const outcome = new Promise<boolean>((resolve) => (this.#finish = resolve));
    this.#closed = this.pglite.transaction(async (tx) => {
      this.#transaction = tx;
      begun();
      if (!(await outcome)) await tx.rollback();
    });
    // A failure to begin surfaces here rather than as an unhandled rejection.
    await Promise.race([ready, this.#closed]);
  }

  async end(statement: 'commit' | 'rollback'): Promise<void> {
    const finish = this.#finish;
    const closed = this.#closed;
    this.#finish = undefined;
    this.#closed = undefined;
    this.#transaction = undefined;
    finish?.(statement === 'commit');
    try {
      await closed;
    } catch (error) {
      if (statement === 'commit') throw error;
    }
  }

  release(): void {}
}

export function pgliteConnection(pglite: PGliteHandle): ConnectionSource {
  return async () => new PGliteConnection(pglite);
}
