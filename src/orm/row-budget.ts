import { OrmError } from './errors.js';

/**
 * A cap on how many rows the queries of one unit of work (a session, e.g.
 * one HTTP request: `new Session(database, { rowBudget })`) may load. Each query asks the database for at most the budget
 * plus one row (a constant, so a query shape keeps one SQL text), so an
 * include explosion is stopped by the database, not after the rows have been
 * shipped and hydrated; the total is checked as each query's rows arrive.
 * On PostgreSQL each statement is also sent with what is left of the budget
 * plus one as its row limit (query-set.ts `rowsLeft`), so the level that goes
 * over stops there rather than at the whole budget.
 */
export class RowBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export class RowBudgetExceeded extends OrmError {
  override name = 'RowBudgetExceeded';
  constructor(
    readonly limit: number,
    /** The prefetch path whose query went over the budget; undefined for the main query. */
    readonly lookup: string | undefined,
  ) {
    super(`loading ${lookup ? `'${lookup}'` : 'the rows'} would exceed the budget of ${limit} rows`);
  }

  withLookup(lookup: string): RowBudgetExceeded {
    return this.lookup ? this : new RowBudgetExceeded(this.limit, lookup);
  }
}
