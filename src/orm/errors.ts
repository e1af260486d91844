/**
 * Every error the ORM raises, in one catalog. Messages follow Django's where
 * Django has one, and always name the bad input and what would have been valid.
 */
export class OrmError extends Error {
  override name = 'OrmError';
}

/** A lookup, field or relation name that does not exist or does not fit. */
export class FieldError extends OrmError {
  override name = 'FieldError';
}

export class DoesNotExist extends OrmError {
  override name = 'DoesNotExist';
}

export class MultipleObjectsReturned extends OrmError {
  override name = 'MultipleObjectsReturned';
}

/** Strict mode: a relation was touched that the query did not load. */
export class RelationNotLoaded extends OrmError {
  override name = 'RelationNotLoaded';
}

/** A prefetch lookup that is invalid, unknown, or used inconsistently. */
export class PrefetchError extends OrmError {
  override name = 'PrefetchError';
}

/**
 * The database refused a write: a unique value taken (`unique`), a foreign
 * key pointing nowhere (`foreignKey`), NULL in a NOT NULL column (`notNull`),
 * a CHECK constraint (`check`). Names the table, the column and the value the
 * database reported, so callers can say which field was wrong.
 */
export class IntegrityError extends OrmError {
  override name = 'IntegrityError';
  constructor(
    message: string,
    readonly kind: 'unique' | 'foreignKey' | 'notNull' | 'check',
    readonly table: string | undefined,
    /** The column at fault (the first of a multi-column key). */
    readonly column: string | undefined,
    /** The offending value as the database printed it. */
    readonly value: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

export function choices(names: Iterable<string>): string {
  const list = [...names].sort();
  return list.length ? list.join(', ') : '(none)';
}

export const errors = {
  unknownField: (model: string, name: string, valid: Iterable<string>) =>
    new FieldError(`Cannot resolve keyword '${name}' into field on ${model}. Choices are: ${choices(valid)}`),
  unknownLookup: (model: string, field: string, lookup: string, valid: Iterable<string>) =>
    new FieldError(`Unsupported lookup '${lookup}' for field ${model}.${field}; expected one of ${choices(valid)}`),
  invalidSelectRelated: (model: string, name: string, valid: Iterable<string>) =>
    new FieldError(
      `Invalid field name(s) given in selectRelated: '${name}'. Choices are: ${choices(valid)} (to-one relations of ${model})`,
    ),
  prefetchNotFound: (model: string, name: string, lookup: string) =>
    new PrefetchError(
      `Cannot find '${name}' on ${model} object, '${lookup}' is an invalid parameter to prefetchRelated()`,
    ),
  notPrefetchable: (model: string, name: string, lookup: string) =>
    new PrefetchError(
      `'${lookup}' does not resolve to an item that supports prefetching - this is an invalid parameter to prefetchRelated(): '${name}' on ${model} is a plain field`,
    ),
  toAttrClash: (model: string, toAttr: string) =>
    new PrefetchError(`toAttr=${toAttr} conflicts with a field on the ${model} model.`),
  lookupTwice: (lookup: string) =>
    new PrefetchError(`'${lookup}' lookup was already seen with a different queryset. You may need to adjust the ordering of your lookups.`),
  doesNotExist: (model: string) => new DoesNotExist(`${model} matching query does not exist.`),
  multipleReturned: (model: string, count: string) =>
    new MultipleObjectsReturned(`get() returned more than one ${model} -- it returned ${count}!`),
  relationNotLoaded: (model: string, relation: string, hint: string) =>
    new RelationNotLoaded(`${model}.${relation} was not loaded; add ${hint} to the query (strict mode forbids lazy loads)`),
  syncIterationOfUnfetched: (model: string) =>
    new RelationNotLoaded(`${model} queryset has not been evaluated; use await or for await, or prefetch it`),
  negativeSlice: () => new OrmError('Negative indexing is not supported.'),
  noSession: (model: string) =>
    new OrmError(`${model} queryset has no session; call .using(session) or bind one with Model.bind(session)`),
};
