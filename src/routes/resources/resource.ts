/**
 * What the HTTP layer knows about a resource. A resource is declared once
 * (src/routes/resources/<name>.ts) from its ORM model; its scalar fields and
 * relations are read from the model, so a relation added to the model is
 * exposed (include, docs, serializer) without further edits, and a preset is
 * one entry in the target resource's `presets`.
 *
 * The parsers only need the plain `ResourceShape` part, which keeps them
 * testable without a database.
 */
import type { FieldKind } from '../../orm/fields.js';

export type { FieldKind };

export interface ScalarField {
  readonly kind: FieldKind;
  readonly nullable: boolean;
}

/**
 * A relation as the HTTP layers see it: what it can do, read once from the
 * ORM relation (declare-resource.ts), never a kind to switch on. The parsers,
 * the planner, the converter, the schemas and the include docs ask these
 * questions (and `soleTarget`), so a new kind of relation needs no edit here.
 */
export interface RelationShape {
  readonly name: string;
  /** Its value is a list: it can be counted and take a preset; otherwise one object (or null). */
  readonly many: boolean;
  /** Loaded by a JOIN in its parent's query (selectRelated); otherwise by a query of its own (a Prefetch), one per target type. */
  readonly joinable: boolean;
  /** Whether a to-one value may be null (a nullable FK, or a generic target that is gone). */
  readonly nullable: boolean;
  /** The target resources: one, or each resource a polymorphic (generic) relation may name. */
  readonly targets: readonly string[];
}

/**
 * The one resource a relation's objects belong to, or undefined for a
 * polymorphic relation: its objects are of several resources, so nothing can
 * be included below it, counted through it or shaped by a preset.
 */
export function soleTarget(relation: RelationShape): string | undefined {
  return relation.targets.length === 1 ? relation.targets[0] : undefined;
}

/** The relation's objects are a list of one resource: it can be counted and take that resource's presets. */
export function isCountable(relation: RelationShape): boolean {
  return relation.many && soleTarget(relation) !== undefined;
}

/** A preset token that matched: its canonical spelling and its numeric argument, if any. */
export interface PresetMatch {
  readonly key: string;
  readonly arg?: number;
}

/**
 * A named Prefetch queryset for to-many relations that target a resource
 * (API.md §3). `apply` receives the target model's base QuerySet.
 */
export interface Preset {
  /** As documented: `recentN`, `published`. */
  readonly form: string;
  readonly description: string;
  /** An example token, for the docs. */
  readonly example: string;
  /** Takes a per-parent slice (`recentN`): such a preset selects rows to show and cannot qualify a count (API.md §7). */
  readonly sliced: boolean;
  /** undefined: not this preset; a string: this preset with a bad argument (the reason). */
  match(token: string): PresetMatch | string | undefined;
  apply<Q extends PresetQuerySet>(queryset: Q, arg: number | undefined): Q;
}

/** The QuerySet methods presets use (a structural view of the ORM's QuerySet). */
export interface PresetQuerySet {
  filter(conditions: Record<string, unknown>): this;
  orderBy(...fields: string[]): this;
  slice(start: number, end?: number): this;
}

export interface ResourceShape {
  readonly name: string;
  /** Scalar fields in declaration order (camelCase); the pk is `id`. */
  readonly fields: Readonly<Record<string, ScalarField>>;
  readonly relations: Readonly<Record<string, RelationShape>>;
  /** Presets usable on any to-many relation that targets this resource. */
  readonly presets: readonly Preset[];
  /** Fields accepted by `filter[...]`. */
  readonly filters: readonly string[];
}

/** Every resource by name: what the parsers resolve relation targets in. */
export type Catalog = ReadonlyMap<string, ResourceShape>;

/** A preset without argument: `published`, `active`. */
export function namedPreset(options: {
  name: string;
  description: string;
  apply: <Q extends PresetQuerySet>(queryset: Q) => Q;
}): Preset {
  return {
    form: options.name,
    description: options.description,
    example: options.name,
    sliced: false,
    match: (token) => (token === options.name ? { key: token } : undefined),
    apply: (queryset) => options.apply(queryset),
  };
}

/** A preset with a bounded count: `recentN` with `min <= N <= max`. */
export function countedPreset(options: {
  prefix: string;
  min: number;
  max: number;
  example: number;
  description: string;
  apply: <Q extends PresetQuerySet>(queryset: Q, count: number) => Q;
}): Preset {
  const pattern = new RegExp(`^${options.prefix}(\\d{1,6})$`);
  return {
    form: `${options.prefix}N`,
    description: `${options.description} (${options.min} <= N <= ${options.max})`,
    example: `${options.prefix}${options.example}`,
    sliced: true,
    match(token) {
      const found = pattern.exec(token);
      if (!found) return undefined;
      const n = Number(found[1]);
      if (n < options.min || n > options.max) {
        return `${options.prefix}N takes ${options.min} <= N <= ${options.max}; got ${found[1]}`;
      }
      return { key: `${options.prefix}${n}`, arg: n };
    },
    apply: (queryset, arg) => options.apply(queryset, arg!),
  };
}
