/**
 * Filter trees. A plain object is an AND of its lookups; `Q.or`, `Q.and` and
 * `Q.not` combine them, as Django's Q objects do.
 *
 * ```ts
 * Article.objects.filter(Q.or({ pubDate__lt: d }, { pubDate: d, id__gt: 5 }))
 * // where ("t0"."pub_date" < $1 or ("t0"."pub_date" = $2 and "t0"."id" > $3))
 * ```
 */
export type Lookups = Record<string, unknown>;

export type FilterNode =
  | { readonly kind: 'lookups'; readonly lookups: Lookups }
  | { readonly kind: 'and' | 'or'; readonly children: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly child: FilterNode }
  /** `(a, b) > ($1, $2)`: a row-value comparison, which an index on (a, b) can bound. */
  | { readonly kind: 'row'; readonly fields: readonly string[]; readonly op: '<' | '>'; readonly values: readonly unknown[] };

export type FilterInput = Lookups | FilterNode;

const KINDS = new Set(['lookups', 'and', 'or', 'not', 'row']);

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
};
