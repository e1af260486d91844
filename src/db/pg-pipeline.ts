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
  constructor(
    readonly prelude: readonly string[],
    readonly statements: readonly PipelineStatement[],
    done: (error: Error | null, results: PipelineResult[]) => void,
  ) {
    // Text and values rather than a config object, which pg would copy property by property.
    super(statements[0].text, statements[0].values as unknown[] | undefined);
    this.callback = (error: Error | null, results?: PipelineResult | PipelineResult[]) => {
      if (error) return done(error, []);
      const all = Array.isArray(results) ? results : [results!];
      done(null, all.slice(prelude.length));
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
    for (const { text, values } of this.statements.slice(0, -1)) {
      connection.parse({ text });
      connection.bind({ values, valueMapper: prepareValue });
      connection.describe({ type: 'P', name: '' });
      connection.execute({});
    }
    // The last statement goes through pg's own path, which adds the Sync.
    const last = this.statements[this.statements.length - 1];
    this.text = last.text;
    this.values = last.values;
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
