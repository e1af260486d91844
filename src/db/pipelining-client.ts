/**
 * A pg Client with an explicit API for the two round-trip savings the
 * session (src/orm/session.ts) asks for: a transaction whose opening
 * statements travel with its first query, and statements sent together.
 *
 * On this kind of machine a socket write to PostgreSQL costs 0.1-0.3 ms of
 * CPU in the server (measured with --cpu-prof: pg's `submit` is mostly
 * `writev`), more than planning the SQL of a small query, and each write is a
 * round trip the request waits for. A request reading in a snapshot would pay
 * a write for `BEGIN ...; SET LOCAL ...`, one per query and one for `COMMIT`.
 * Here:
 *
 * - `beginDeferred(statements)` holds the opening statements back; they are
 *   pipelined in front of the next query (Parse/Bind/Execute for each, then
 *   the query, then one Sync). An explicit BEGIN in a pipeline opens a
 *   regular transaction block that outlives the Sync, so what follows is
 *   exactly what separate round trips would have given;
 * - `commitDeferred()` holds the COMMIT of a read-only transaction back: the
 *   request is answered, the connection goes back to the pool, and the COMMIT
 *   travels in front of whatever the connection runs next, or on its own
 *   after `COMMIT_DELAY_MS` if it stays idle. Committing a read-only
 *   transaction changes no data, so nobody can observe the delay; the
 *   transaction holds its snapshot and its ACCESS SHARE locks that much
 *   longer (a few ms under load, at most COMMIT_DELAY_MS when idle);
 * - `together(statements)` sends statements (a prefetch level's sibling
 *   reads) as one pipeline with one Sync: one write, one round trip. A
 *   statement's `maxRows` makes the server stop sending its rows there.
 *
 * The protocol work is pg-internal and lives in pg-pipeline.ts. A query this
 * class cannot put behind held-back statements (one with a callback, a
 * cursor) gets them sent first, on their own.
 */
import pg from 'pg';
import { hasUncertainNames, pipeline, readInTurns, type PipelineResult, type PipelineStatement } from './pg-pipeline.js';
import { MAX_NAMED_PER_CONNECTION, statementName } from './prepared-statements.js';

/** How long an idle connection may keep a finished read-only transaction open. */
export const COMMIT_DELAY_MS = 20;

/** pg client options, plus whether this client names its SELECTs (prepared-statements.ts). */
export interface PipeliningClientConfig extends pg.ClientConfig {
  loomPreparedStatements?: boolean;
}

export class PipeliningClient extends pg.Client {
  /** Whether SELECTs are sent as named prepared statements. */
  readonly #prepare: boolean;
  /** Statements held back for the next query: a pending COMMIT, then opening statements. */
  #commitPending = false;
  #opening: string[] = [];
  #idleTimer: NodeJS.Timeout | undefined;

  /** pg-pool hands its whole configuration to each client it makes. */
  constructor(config?: string | PipeliningClientConfig) {
    super(config);
    this.#prepare = typeof config === 'object' && config.loomPreparedStatements === true;
    readInTurns(this);
  }

  /** Opens a transaction with `statements` (`begin …`, `set local …`), sent in front of the next query. */
  beginDeferred(statements: readonly string[]): void {
    this.#opening.push(...statements);
  }

  /**
   * Ends a read-only transaction opened with `beginDeferred`: its COMMIT
   * waits for the connection's next query (or COMMIT_DELAY_MS once released).
   * If no query ran since it began, nothing is sent at all.
   */
  commitDeferred(): void {
    if (this.#opening.length) this.#opening = [];
    else this.#commitPending = true;
  }

  /**
   * Ends the transaction now with `commit` or `rollback` and gives the
   * server's command tag (`ROLLBACK` for the COMMIT of a failed transaction).
   * If no query ran since it began, nothing is sent.
   */
  async finish(statement: 'commit' | 'rollback'): Promise<string> {
    if (this.#opening.length) {
      this.#opening = [];
      return statement.toUpperCase();
    }
    const [result] = await this.together([{ text: statement, values: undefined }]);
    return result.command;
  }

  /**
   * Sends `statements` (at least one) together, behind any held-back ones:
   * one write, one round trip. They share one Sync, so an error fails them
   * all (inside a transaction block the block fails anyway).
   */
  together(statements: readonly PipelineStatement[]): Promise<PipelineResult[]> {
    const prelude = this.#takePrelude();
    const named = this.#named(statements);
    // One statement goes through pg's own Query, unless a row limit needs the pipeline's Execute.
    if (prelude.length === 0 && named.length === 1 && named[0].maxRows === undefined && !hasUncertainNames(this)) {
      const [{ text, values, name }] = named;
      const config = name ? { name, text, values: values as unknown[] | undefined } : undefined;
      return (config ? super.query(config) : super.query(text, values as unknown[] | undefined)).then((result) => [result as PipelineResult]);
    }
    return pipeline(this as pg.Client, prelude, named);
  }

  /** Statements with their prepared names (prepared-statements.ts), while this connection holds fewer than the cap. */
  #named(statements: readonly PipelineStatement[]): readonly PipelineStatement[] {
    if (!this.#prepare) return statements;
    const parsed = (this as unknown as { connection: { parsedStatements: object } }).connection.parsedStatements;
    if (Object.keys(parsed).length >= MAX_NAMED_PER_CONNECTION) return statements;
    let named: PipelineStatement[] | undefined;
    statements.forEach((statement, i) => {
      const name = statementName(statement.text);
      if (name) (named ??= [...statements])[i] = { ...statement, name };
    });
    return named ?? statements;
  }

  override query(config: any, values?: any, callback?: any): any {
    const plain = typeof config === 'string' && typeof values !== 'function' && !callback;
    if (plain && (this.#commitPending || this.#opening.length)) {
      return this.together([{ text: config, values }]).then(([result]) => result);
    }
    // pg runs a client's queries in order: the held-back statements go first, on their own.
    if (!plain) this.#flush();
    return super.query(config, values, callback);
  }

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
