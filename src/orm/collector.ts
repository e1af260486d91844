/**
 * Deletion with what goes with it, as Django's Collector does it, in ONE
 * statement. The schema's cascades (ON DELETE CASCADE / SET NULL) are left to
 * the database; the ORM follows them only to find the rows that go, so that it
 * can delete what the schema cannot: the rows of generic relations (the
 * reactions on a deleted article, or on the comments that go with it).
 *
 * ```sql
 * with "d0" as (delete from "authors" where "id" = $1 returning "id" as "pk"),
 *      "d1" as (select "id" as "pk" from "articles" where "author_id" in (select "pk" from "d0")),
 *      "d2" as (select "id" as "pk" from "comments" where "article_id" in (select "pk" from "d1")),
 *      "d3" as (delete from "reactions" where "target_type" = 'comment' and "target_id" in (select "pk" from "d2") returning "id" as "pk"),
 *      "d4" as (delete from "reactions" where "target_type" = 'article' and "target_id" in (select "pk" from "d1") returning "id" as "pk")
 * select (select count(*) from "d0") as "Author", …
 * ```
 * Every part of one statement sees the rows as they were when it started
 * (the FK cascades run at its end), so the selects still find the articles and
 * comments that the author's deletion is about to cascade to.
 */
import { type RawBuilder, sql } from 'kysely';
import { executeWrite } from './execute-write.js';
import type { Model } from './model.js';
import { castKey } from './relations/relation.js';
import type { Session } from './session.js';

/** Django's `(total, {model: count})`: rows deleted, per model name. */
export interface DeleteResult {
  total: number;
  perModel: Record<string, number>;
}

/** Models whose rows may go, with the CTEs that name them (a model reached twice has two). */
type Reached = Map<Model<any, any>, string[]>;

/** The deletion statement for the rows of `model` matching `where`. */
export function compileDelete(model: Model<any, any>, where: RawBuilder<unknown>): RawBuilder<Record<string, number>> {
  const pkAs = (m: Model<any, any>) => sql`${sql.ref(m.meta.columnOf(m.meta.pk))} as "pk"`;
  const ctes: RawBuilder<unknown>[] = [sql`"d0" as (delete from ${sql.table(model.meta.table)} where ${where} returning ${pkAs(model)})`];
  const reached: Reached = new Map([[model, ['d0']]]);
  const visit = (parent: Model<any, any>, parentCte: string, path: ReadonlySet<Model<any, any>>) => {
    for (const relation of Object.values(parent.meta.relations)) {
      const edge = relation.deletionEdge();
      // A model already on this path is a cycle: the database's cascade ends it.
      if (!edge || path.has(edge.target)) continue;
      const name = `d${ctes.length}`;
      const target = edge.target;
      const condition = edge.where(sql`select ${castKey(sql.id('pk'), edge.keyType)} from ${sql.id(parentCte)}`);
      const table = sql.table(target.meta.table);
      const statement = edge.inDatabase
        ? sql`select ${pkAs(target)} from ${table} where ${condition}`
        : sql`delete from ${table} where ${condition} returning ${pkAs(target)}`;
      ctes.push(sql`${sql.id(name)} as (${statement})`);
      reached.set(target, [...(reached.get(target) ?? []), name]);
      visit(target, name, new Set([...path, target]));
    }
  };
  visit(model, 'd0', new Set([model]));
  const counts = [...reached].map(([m, names]) => {
    const rows = names.length === 1 ? sql.id(names[0]) : sql`(${sql.join(names.map((n) => sql`select "pk" from ${sql.id(n)}`), sql` union `)}) as u`;
    return sql`(select count(*) from ${rows}) as ${sql.id(m.name)}`;
  });
  return sql<Record<string, number>>`with ${sql.join(ctes)} select ${sql.join(counts)}`;
}

/** Deletes the rows of `model` matching `where`, with their cascades, in one statement. */
export async function deleteWhere(session: Session, model: Model<any, any>, where: RawBuilder<unknown>): Promise<DeleteResult> {
  const { rows } = await executeWrite(session, compileDelete(model, where));
  const perModel: Record<string, number> = {};
  let total = 0;
  for (const [name, count] of Object.entries(rows[0] ?? {})) {
    const n = Number(count);
    if (n > 0) perModel[name] = n;
    total += n;
  }
  return { total, perModel };
}
