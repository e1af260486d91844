/**
 * The one module that touches pg's internals: a pg `Query` that sends several
 * statements as one extended-protocol pipeline (Parse/Bind/Execute for each,
 * one Sync at the end), so they travel in one write and come back in one
 * round trip. Everything else in loom uses pg's public API.
 *
 * What it relies on (checked against pg 8.23.1 with pg-protocol 1.16.1;
 * package.json pins `pg` to >=8.23.1 <8.24, and test/db/pg-pipeline.test.ts
 * fails if any of it changes):
 * - `pg.Query` can be subclassed and handed to `client.query(submittable)`;
 *   pg calls `requiresPreparation()`, then `prepare(connection)`, whose
 *   `connection.parse/bind/describe/execute` queue protocol messages and whose
 *   own `prepare` adds the last statement and the Sync;
 * - with several CommandComplete messages before ReadyForQuery, pg hands the
 *   query's callback an array of results, one per statement;
 * - `pg.utils.prepareValue` converts bound values as pg does (dates, arrays);
 * - a statement given `maxRows` is executed with that row limit (Execute's
 *   own count, not the SQL text, so its prepared statement and plan stay the
 *   same): the server stops there and answers PortalSuspended instead of
 *   CommandComplete. pg's Query would then ask for more rows; here the
 *   result is closed as if complete (with the rows so far) and the pipeline
 *   goes on to the next statement.
 */
import pg from 'pg';

/** pg's own conversion of bound values (dates, arrays, buffers), for the statements bound here. */
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils;

/** One statement of a pipeline. */
export interface PipelineStatement {
  text: string;
  values: readonly unknown[] | undefined;
  /** A prepared statement's name (prepared-statements.ts): parsed once per connection. */
  name?: string;
  /**
   * Most rows to deliver (at least 1): the server stops sending there, so a
   * statement whose rows will be refused (the row budget, src/orm/row-budget.ts)
   * neither ships nor builds the rest. Undefined: all.
   */
  maxRows?: number;
}

/**
 * Statements the server stopped at their `maxRows`, and the rows they
 * delivered: a process-wide tally, for tests and diagnostics.
 */
export const cutShort = { statements: 0, rows: 0 };

/** pg's per-connection bookkeeping of named statements, plus the names a failed pipeline left uncertain. */
interface NamedStatements {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  loomUncertain?: Set<string>;
}

function isParsed(connection: NamedStatements, name: string): boolean {
  return connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined;
}

/**
 * After a failed pipeline the server skipped every message after the error,
 * so a Parse sent there may or may not have happened: those names are closed
 * (Close of a missing statement is no error) before they are parsed again.
 */
function forgetUncertain(connection: any, names: readonly string[]): void {
  const c = connection as NamedStatements;
  for (const name of names) {
    delete c.parsedStatements[name];
    delete c.submittedNamedStatements[name];
    (c.loomUncertain ??= new Set()).add(name);
  }
}

/** Whether a connection has names to close before it parses them again. */
export function hasUncertainNames(client: pg.Client): boolean {
  return ((client as any).connection?.loomUncertain?.size ?? 0) > 0;
}

/** The result of one statement, as pg's `client.query` gives it. */
export type PipelineResult = pg.QueryResult<Record<string, unknown>>;

const Query = (pg as unknown as { Query: new (text: string, values: unknown[] | undefined) => any }).Query;

/**
 * pg's Query running a pipeline: `prelude` statements (no parameters, results
 * ignored: BEGIN, SET LOCAL, COMMIT), then `statements`, then one Sync. With a
 * single Sync the statements share an implicit transaction (or the explicit
 * one the prelude opened), and an error skips the rest: `done` then gets that
 * error for all of them.
 */
export class PipelinedQuery extends Query {
  /** [name, text] of the statements this pipeline parses by name: uncertain if it fails. */
  #parsing: [string, string][] = [];
  #connection: any;
  /** The last statement's row limit (the others' go out in prepare). */
  #lastMaxRows: number | undefined;

  constructor(
    readonly prelude: readonly string[],
    readonly statements: readonly PipelineStatement[],
    done: (error: Error | null, results: PipelineResult[]) => void,
  ) {
    // Text and values rather than a config object, which pg would copy property by property.
    super(statements[0].text, statements[0].values as unknown[] | undefined);
    this.callback = (error: Error | null, results?: PipelineResult | PipelineResult[]) => {
      if (error) {
        if (this.#connection && this.#parsing.length) forgetUncertain(this.#connection, this.#parsing.map(([name]) => name));
        return done(error, []);
      }
      // pg records only the last statement's name as parsed; the others are parsed too now.
      for (const [name, text] of this.#parsing) {
        this.#connection.parsedStatements[name] = text;
        delete this.#connection.submittedNamedStatements[name];
      }
      const all = Array.isArray(results) ? results : [results!];
      done(null, all.slice(prelude.length));
    };
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: any): void {
    this.#connection = connection;
    const uncertain = (connection as NamedStatements).loomUncertain;
    if (uncertain?.size) {
      for (const name of uncertain) connection.close({ type: 'S', name });
      uncertain.clear();
    }
    for (const text of this.prelude) {
      connection.parse({ text });
      connection.bind({});
      connection.execute({});
    }
    for (const { text, values, name, maxRows } of this.statements.slice(0, -1)) {
      if (!name) connection.parse({ text });
      else if (!isParsed(connection, name)) {
        connection.parse({ text, name });
        connection.submittedNamedStatements[name] = text;
        this.#parsing.push([name, text]);
      }
      connection.bind({ statement: name ?? '', values, valueMapper: prepareValue });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ rows: rowLimit(maxRows) });
    }
    // The last statement goes through pg's own path, which adds the Sync (and parses a name once).
    const last = this.statements[this.statements.length - 1];
    this.text = last.text;
    this.values = last.values;
    this.#lastMaxRows = rowLimit(last.maxRows);
    if (last.name) {
      this.name = last.name;
      if (!isParsed(connection, last.name)) this.#parsing.push([last.name, last.text]);
    }
    super.prepare(connection);
  }

  /** pg's Execute and Sync of the last statement (pg's `rows` would page instead: Execute and Flush). */
  _getRows(connection: any): void {
    connection.execute({ portal: this.portal, rows: this.#lastMaxRows });
    connection.sync();
  }

  /**
   * A statement reached its `maxRows`. The result is closed here (pg would
   * ask for more), so the next statement's rows start a result of their own.
   */
  handlePortalSuspended(): void {
    const delivered = this._result.rows.length;
    cutShort.statements++;
    cutShort.rows += delivered;
    this._result.addCommandComplete({ text: `SELECT ${delivered}` });
  }
}

/** Execute's row count: 0 (all) unless a positive limit is given. */
function rowLimit(maxRows: number | undefined): number | undefined {
  return maxRows !== undefined && maxRows > 0 ? Math.max(1, Math.min(Math.trunc(maxRows), 0x7fffffff)) : undefined;
}

/**
 * Node reads a socket into a 64 KiB buffer: a read that fills it means more
 * is waiting (libuv would read again at once); a shorter one drained the socket.
 */
const FULL_READ = 64 * 1024;

/**
 * Makes `client` parse a large result one socket read per event-loop turn.
 * libuv reads a ready socket up to 32 times in one go and pg parses each read
 * synchronously (a DataRow message, its field strings, the row object), so a
 * result of thousands of rows arriving on several connections at once held
 * the loop for 100-200 ms (five include loops on PostgreSQL, issue 16) and
 * `/health/live` waited behind it. After a full read the socket is paused
 * until the check phase (setImmediate) and read again in the next poll
 * phase: other sockets (and probes) get their turn between reads. A result
 * that fits one read (scenario 1 at page[size]=50: 25-33 KB reads) is not
 * touched; the cost is one pause/resume per 64 KiB. Relies on pg's
 * Connection attaching its `data` listener in `attachListeners(stream)`.
 * Over TLS the stream hands out decrypted records of at most 16 KiB, so no
 * read is full and this does nothing there (docs/HARDENING.md, Known gaps).
 */
export function readInTurns(client: pg.Client): void {
  const connection = (client as unknown as { connection: { attachListeners(stream: NodeJS.ReadableStream): void } }).connection;
  const attach = connection.attachListeners.bind(connection);
  connection.attachListeners = (stream) => {
    attach(stream);
    stream.on('data', (chunk: Buffer) => {
      if (chunk.length < FULL_READ) return;
      stream.pause();
      setImmediate(() => stream.resume());
    });
  };
}

/** Runs `statements` (at least one) behind `prelude` as one pipeline on `client`. */
export function pipeline(client: pg.Client, prelude: readonly string[], statements: readonly PipelineStatement[]): Promise<PipelineResult[]> {
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery(prelude, statements, (error, results) => (error ? reject(error) : resolve(results)));
    // pg's own Client#query, also on a subclass that overrides it (the pipelining client).
    (pg.Client.prototype.query as unknown as (submittable: unknown) => unknown).call(client, query);
  });
}
