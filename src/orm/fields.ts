/**
 * Field declarations. A field maps a camelCase property to a snake_case column
 * and carries its TypeScript type as a phantom, so instances are typed.
 */
export type FieldKind = 'id' | 'integer' | 'text' | 'boolean' | 'timestamp';

export interface Field<T = unknown> {
  readonly kind: FieldKind;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  /** SQL column name; defaults to the property name in snake_case. */
  readonly column?: string;
  /**
   * The column has a default in the database: an insert may leave it out.
   * `defaultValue` is what the ORM writes for it where it cannot leave it out
   * (a bulkCreate whose rows name it only sometimes), as Django fills defaults.
   */
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown | (() => unknown);
  /** @internal phantom for the value type */
  readonly __type?: T;
}

export type FieldMap = Record<string, Field<any>>;

/** The value type of a field map, as an instance holds it. */
export type FieldValues<F extends FieldMap> = { -readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

interface FieldOptions {
  column?: string;
}
interface NullableOption {
  null?: boolean;
}
interface DefaultOption<T> {
  /** The database's default, repeated for the ORM (a value, or a function giving one per row). */
  default?: T | (() => T);
}

type Maybe<T, O> = O extends { null: true } ? T | null : T;

function make<T>(kind: FieldKind, options: FieldOptions & NullableOption & DefaultOption<unknown> & { primaryKey?: boolean } = {}): Field<T> {
  return Object.freeze({
    kind,
    nullable: options.null === true,
    primaryKey: options.primaryKey === true,
    column: options.column,
    hasDefault: options.primaryKey === true || options.default !== undefined,
    defaultValue: options.default,
  }) as Field<T>;
}

/** The default a field takes when a row leaves it out: its declared default, or null. */
export function defaultOf(field: Field): unknown {
  const value = field.defaultValue;
  return typeof value === 'function' ? (value as () => unknown)() : (value ?? null);
}

export const field = {
  /** A bigserial primary key, as a JavaScript number. */
  id: (options: FieldOptions = {}) => make<number>('id', { ...options, primaryKey: true }),
  integer: <O extends FieldOptions & NullableOption & DefaultOption<number>>(options?: O) => make<Maybe<number, O>>('integer', options),
  text: <O extends FieldOptions & NullableOption & DefaultOption<string>>(options?: O) => make<Maybe<string, O>>('text', options),
  boolean: <O extends FieldOptions & NullableOption & DefaultOption<boolean>>(options?: O) => make<Maybe<boolean, O>>('boolean', options),
  timestamp: <O extends FieldOptions & NullableOption & DefaultOption<Date>>(options?: O) => make<Maybe<Date, O>>('timestamp', options),
};

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
