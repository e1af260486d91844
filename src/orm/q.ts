/**
 * Filter trees. A plain object is an AND of its lookups; `Q.or`, `Q.and` and
 * `Q.not` combine them, as Django's Q objects do.
 *
 * ```ts
 * Article.objects.filter(Q.or({ pubDate__lt: d }, { pubDate: d, id__gt: 5 }))
 * // where ("t0"."pub_date" < $1 or ("t0"."pub_date" = $2 and "t0"."id" > $3))
 * ```
 */
import type { Model } from './model.js';

export type Lookups = Record<string, unknown>;

export type FilterNode =
  | { readonly kind: 'lookups'; readonly lookups: Lookups }
  | { readonly kind: 'and' | 'or'; readonly children: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly child: FilterNode }
  /** `(a, b) > ($1, $2)`: a row-value comparison, which an index on (a, b) can bound. */
  | { readonly kind: 'row'; readonly fields: readonly string[]; readonly op: '<' | '>'; readonly values: readonly unknown[] }
  | { readonly kind: 'exists'; readonly model: Model<any, any>; readonly filters: readonly FilterNode[] };

/**
 * A field of the query around an `exists` subquery, as a lookup value
 * (Django's `OuterRef`): `{ id: new OuterRef('articleId') }` compares the
 * subquery's `id` with the outer row's `article_id`. Only `exact` takes one.
 */
export class OuterRef {
  constructor(readonly field: string) {}
}

/** What `Q.exists` reads from a QuerySet: its model and filters (ordering and slices do not matter to EXISTS). */
export interface ExistsSource {
  readonly model: Model<any, any>;
  readonly filterNodes: readonly FilterNode[];
}

export type FilterInput = Lookups | FilterNode;

const KINDS = new Set(['lookups', 'and', 'or', 'not', 'row', 'exists']);

function isNode(input: FilterInput): input is FilterNode {
  return typeof (input as FilterNode).kind === 'string' && KINDS.has((input as FilterNode).kind) && Object.isFrozen(input);
}

export function toFilterNode(input: FilterInput): FilterNode {
  return isNode(input) ? input : Object.freeze({ kind: 'lookups' as const, lookups: { ...input } });
}

export const Q = {
  and: (...children: FilterInput[]): FilterNode => Object.freeze({ kind: 'and' as const, children: children.map(toFilterNode) }),
  or: (...children: FilterInput[]): FilterNode => Object.freeze({ kind: 'or' as const, children: children.map(toFilterNode) }),
  not: (child: FilterInput): FilterNode => Object.freeze({ kind: 'not' as const, child: toFilterNode(child) }),
  /**
   * `Q.row(['createdAt', 'id'], '>', [d, 7])`: rows after (d, 7) in ascending
   * (createdAt, id) order, as one row-value comparison. NULL in any field or
   * value matches nothing (SQL's rule).
   */
  row: (fields: readonly string[], op: '<' | '>', values: readonly unknown[]): FilterNode => {
    if (fields.length === 0 || fields.length !== values.length) throw new Error('Q.row needs as many values as fields, at least one');
    return Object.freeze({ kind: 'row' as const, fields: [...fields], op, values: [...values] });
  },
  /**
   * True when the queryset has a row (Django's `Exists`), usually correlated
   * to the outer row with {@link OuterRef}:
   *
   * ```ts
   * Reaction.objects.filter(Q.exists(Article.objects.filter({ id: new OuterRef('targetId'), isPublished: true })))
   * // where exists (select 1 from "articles" as "t0_e1" where ("t0_e1"."id" = "t0"."target_id" and "t0_e1"."is_published" = $1))
   * ```
   */
  exists: (queryset: ExistsSource): FilterNode =>
    Object.freeze({ kind: 'exists' as const, model: queryset.model, filters: Object.freeze([...queryset.filterNodes]) }),
};
