/**
 * A pg Client that sends a transaction's opening statements on the same
 * write as its first query.
 *
 * On this kind of machine a socket write to PostgreSQL costs ~0.2 ms of CPU
 * in the server (measured with --cpu-prof: pg's `submit` is mostly `writev`),
 * more than planning the SQL of a small query. A request that reads in a
 * snapshot would pay one write for `BEGIN ...; SET LOCAL ...` and one for
 * each query. Here the opening statements are held back and pipelined in
 * front of the first query with the extended protocol: Parse/Bind/Execute
 * for each of them, then the query, then one Sync. PostgreSQL runs them in
 * order; an explicit BEGIN in a pipeline opens a regular transaction block
 * that outlives the Sync, so what follows is exactly what separate round trips
 * would have given.
 *
 * The opening statements are marked with the `DEFERRED` comment. A client of
 * another kind sees plain SQL with a comment in front and runs it at once, so
 * the marking is safe wherever it ends up.
 */
import pg from 'pg';

/** Prefix of a statement list that may wait for the next query (`;`-separated). */
export const DEFERRED = '/* loom:deferred */ ';
/** Prefix of the statement that ends a deferred transaction (commit or rollback). */
export const DEFERRED_END = '/* loom:deferred-end */ ';

type Callback = (error: Error | null, result?: unknown) => void;

/** The statements that may wait (`DEFERRED` + statements) and the one that ends them. */
export function deferredTransaction(statements: readonly string[]): { begin: string; commit: string; rollback: string } {
  return {
    begin: DEFERRED + statements.join(';\n'),
    commit: `${DEFERRED_END}commit`,
    rollback: `${DEFERRED_END}rollback`,
  };
}

/** pg's Query with statements pipelined in front of it; its result is the last statement's. */
class PipelinedQuery extends (pg as unknown as { Query: new (config: object) => any }).Query {
  constructor(
    readonly prelude: readonly string[],
    text: string,
    values: unknown[] | undefined,
    done: Callback,
  ) {
    super({ text, values });
    this.callback = (error: Error | null, results?: unknown) =>
      error ? done(error) : done(null, Array.isArray(results) ? results[results.length - 1] : results);
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
    super.prepare(connection);
  }
}

const emptyResult = (command: string) => ({ command, rowCount: null, rows: [], fields: [], oid: null });

export class PipeliningClient extends pg.Client {
  #prelude: string[] | null = null;

  /** Forgets held-back statements (the pool calls it on release). */
  clearDeferred(): void {
    this.#prelude = null;
  }

  override query(config: any, values?: any, callback?: any): any {
    if (typeof config !== 'string' || typeof values === 'function' || callback) return super.query(config, values, callback);
    if (config.startsWith(DEFERRED)) {
      this.#prelude = [...(this.#prelude ?? []), ...config.slice(DEFERRED.length).split(';\n')];
      return Promise.resolve(emptyResult('BEGIN'));
    }
    if (config.startsWith(DEFERRED_END) && this.#prelude) {
      // Nothing ran since the transaction was asked for: there is nothing to end.
      this.#prelude = null;
      return Promise.resolve(emptyResult(config.slice(DEFERRED_END.length).toUpperCase()));
    }
    const prelude = this.#prelude;
    if (!prelude) return super.query(config, values);
    this.#prelude = null;
    return new Promise((resolve, reject) => {
      const query = new PipelinedQuery(prelude, config, values, (error, result) => (error ? reject(error) : resolve(result)));
      super.query(query as unknown as pg.Submittable);
    });
  }
}
