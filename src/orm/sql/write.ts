/**
 * The SQL of writes: INSERT (one row, or many through `unnest` arrays),
 * UPDATE and the row sets they act on. Every statement that writes rows
 * returns them as instances hold them (camelCase keys) with their version.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Model } from '../model.js';
import { VERSION_ALIAS } from './select.js';
import { ARRAY_TYPE } from './where.js';

export type Values = Record<string, unknown>;

function columnRef(model: Model<any, any>, field: string): RawBuilder<unknown> {
  return sql.ref(model.meta.columnOf(field));
}

/** `returning "id" as "id", "author_id" as "authorId", …, xmin::text as "__version"`. */
export function returningRow(model: Model<any, any>): RawBuilder<unknown> {
  const columns = model.meta.fieldNames.map((name) => sql`${columnRef(model, name)} as ${sql.id(name)}`);
  return sql`returning ${sql.join([...columns, sql`xmin::text as ${sql.id(VERSION_ALIAS)}`])}`;
}

/**
 * `insert into "articles" ("title", …) values ($1, …) returning …`; fields
 * left out take the database's default.
 */
export function insertOne(model: Model<any, any>, values: Values): RawBuilder<Values> {
  const table = sql.table(model.meta.table);
  const names = Object.keys(values);
  if (names.length === 0) return sql<Values>`insert into ${table} default values ${returningRow(model)}`;
  const columns = sql.join(names.map((name) => columnRef(model, name)));
  return sql<Values>`insert into ${table} (${columns}) values (${sql.join(names.map((name) => values[name]))}) ${returningRow(model)}`;
}

/**
 * Many rows in one statement with one array parameter per column, so the
 * number of rows is not bounded by PostgreSQL's 65,535 bind parameters:
 * `insert into "tags" ("name", "active") select * from unnest($1::text[], $2::boolean[]) returning …`.
 * Rows come back in the order given (PostgreSQL inserts and returns them in
 * the order unnest yields them, which Django's bulk_create relies on too).
 */
export function insertMany(model: Model<any, any>, names: readonly string[], rows: readonly Values[]): RawBuilder<Values> {
  const meta = model.meta;
  const arrays = names.map((name) => sql`${rows.map((row) => row[name])}::${sql.raw(ARRAY_TYPE[meta.fields[name].kind])}`);
  const aliases = names.map((_, i) => `c${i}`);
  const columns = sql.join(names.map((name) => columnRef(model, name)));
  return sql<Values>`insert into ${sql.table(meta.table)} (${columns}) select ${sql.join(aliases.map((a) => sql.ref(`u.${a}`)))} from unnest(${sql.join(arrays)}) as u(${sql.join(aliases.map((a) => sql.id(a)))}) ${returningRow(model)}`;
}

/** `update "articles" set "title" = $1 where <where>`, returning the version when asked. */
export function updateWhere(model: Model<any, any>, values: Values, where: RawBuilder<unknown>, returning: boolean): RawBuilder<Values> {
  const assignments = Object.keys(values).map((name) => sql`${columnRef(model, name)} = ${values[name]}`);
  const tail = returning ? sql` returning xmin::text as ${sql.id(VERSION_ALIAS)}` : sql``;
  return sql<Values>`update ${sql.table(model.meta.table)} set ${sql.join(assignments)} where ${where}${tail}`;
}

/** `"id" = $1`: one row by primary key. */
export function pkEquals(model: Model<any, any>, pk: unknown): RawBuilder<unknown> {
  return sql`${columnRef(model, model.meta.pk)} = ${pk}`;
}
