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
 * - `pg.utils.prepareValue` converts bound values as pg does (dates, arrays).
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
}

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
    for (const { text, values, name } of this.statements.slice(0, -1)) {
      if (!name) connection.parse({ text });
      else if (!isParsed(connection, name)) {
        connection.parse({ text, name });
        connection.submittedNamedStatements[name] = text;
        this.#parsing.push([name, text]);
      }
      connection.bind({ statement: name ?? '', values, valueMapper: prepareValue });
      connection.describe({ type: 'P', name: '' });
      connection.execute({});
    }
    // The last statement goes through pg's own path, which adds the Sync (and parses a name once).
    const last = this.statements[this.statements.length - 1];
    this.text = last.text;
    this.values = last.values;
    if (last.name) {
      this.name = last.name;
      if (!isParsed(connection, last.name)) this.#parsing.push([last.name, last.text]);
    }
    super.prepare(connection);
  }
}

/** Runs `statements` (at least one) behind `prelude` as one pipeline on `client`. */
export function pipeline(client: pg.Client, prelude: readonly string[], statements: readonly PipelineStatement[]): Promise<PipelineResult[]> {
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery(prelude, statements, (error, results) => (error ? reject(error) : resolve(results)));
    // pg's own Client#query, also on a subclass that overrides it (the pipelining client).
    (pg.Client.prototype.query as unknown as (submittable: unknown) => unknown).call(client, query);
  });
}
