import type { Principal } from '../../auth/principal.js';
import { type FilterNode, Q } from '../../orm/index.js';
import type { Model } from '../../orm/model.js';
import type { Relation } from '../../orm/relations/relation.js';
import type { FieldKind, Preset, RelationShape, ResourceShape, ScalarField } from './resource.js';
import { type PrivateFields, visibleToEveryone, type VisibilityRule } from './visibility.js';
import { adminOnly, type WriteRule } from './write-rules.js';

/** What a resource file declares; everything else is read from the model. */
export interface ResourceDeclaration {
  /** The URL segment and the `fields[...]` key: `articles`. */
  readonly name: string;
  readonly model: Model<any, any>;
  /** One line for the OpenAPI docs. */
  readonly description: string;
  /** Fields accepted by `filter[...]`. */
  readonly filters: readonly string[];
  /** Presets for to-many relations that target this resource. */
  readonly presets?: readonly Preset[];
  /** Who sees which rows (default: everyone); see visibility.ts. */
  readonly visibility?: VisibilityRule;
  /** Fields only admins and the row's own author may read. */
  readonly privateFields?: PrivateFields;
  /** Who may write (default: admins only); see write-rules.ts. */
  readonly writers?: WriteRule;
  /**
   * Write-only body fields that set a many-to-many relation as a whole:
   * `{ tagIds: 'tags' }` (the list of ids replaces the article's tags).
   */
  readonly links?: Readonly<Record<string, string>>;
}

/** A field a write body may carry (API.md §5). */
export interface WritableField {
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** Required on POST: not null and no default. */
  readonly required: boolean;
  /** The only values allowed (a generic foreign key's type field). */
  readonly choices?: readonly string[];
}

/** What a write body may hold. */
export interface WritableShape {
  readonly fields: Readonly<Record<string, WritableField>>;
  /** Write-only id lists → the many-to-many relation they set. */
  readonly links: Readonly<Record<string, string>>;
  /** Fields set by the server that a body may not name (`id`, `createdAt`). */
  readonly serverSet: readonly string[];
}

/** A resource with its model: the shape the parsers read plus what the planner needs. */
export interface Resource extends ResourceShape {
  readonly model: Model<any, any>;
  readonly description: string;
  /** The ordering of this resource's rows in a to-many include without preset (the model's). */
  readonly defaultOrdering: readonly string[];
  /**
   * The condition a principal's visible rows meet (API.md §6), undefined
   * when every row is visible: what every query loading these rows adds.
   */
  readonly visibility: (principal: Principal) => FilterNode | undefined;
  /** The to-one relation whose row decides this one's visibility (comments: `article`), if any. */
  readonly follows: string | undefined;
  readonly privateFields: PrivateFields | undefined;
  readonly writers: WriteRule;
  readonly writable: WritableShape;
}

/** Set by the server on every resource, never by a body (API.md §5): the primary key and the creation time. */
const SERVER_SET_FIELDS = ['createdAt'];

function writableShape(declaration: ResourceDeclaration): WritableShape {
  const meta = declaration.model.meta;
  const choices: Record<string, readonly string[]> = Object.create(null);
  for (const relation of Object.values(meta.relations)) Object.assign(choices, relation.fieldChoices());
  const serverSet = [meta.pk, ...SERVER_SET_FIELDS.filter((name) => meta.field(name))];
  const fields: Record<string, WritableField> = Object.create(null);
  for (const name of meta.fieldNames) {
    if (serverSet.includes(name)) continue;
    const field = meta.fields[name];
    fields[name] = { kind: field.kind, nullable: field.nullable, required: !field.nullable && !field.hasDefault, choices: choices[name] };
  }
  const links: Record<string, string> = Object.create(null);
  for (const [name, relation] of Object.entries(declaration.links ?? {})) {
    if (!meta.relations[relation] || meta.relations[relation].toOne) throw new Error(`${declaration.name}: link ${name} needs a to-many relation, not ${relation}`);
    links[name] = relation;
  }
  return { fields, links, serverSet };
}

/** Declares a resource (identity function that checks the shape at compile time). */
export function declareResource(declaration: ResourceDeclaration): ResourceDeclaration {
  return declaration;
}

/**
 * Turns declarations into resources, resolving relation targets from models
 * to resource names. Throws at start-up when a declaration names a field the
 * model lacks or a relation points at a model no resource exposes.
 */
export function buildResources(declarations: readonly ResourceDeclaration[]): Map<string, Resource> {
  const byModel = new Map(declarations.map((d) => [d.model, d.name]));
  const resourceOf = (model: Model<any, any>, relation: string): string => {
    const name = byModel.get(model);
    if (!name) throw new Error(`relation ${relation} points at ${model.name}, which no resource exposes`);
    return name;
  };
  const resources = new Map<string, Resource>();
  const visibilityOf = (model: Model<any, any>) => resources.get(byModel.get(model)!)!.visibility;
  for (const declaration of declarations) {
    const meta = declaration.model.meta;
    // Null-prototype maps: a request naming `constructor` or `__proto__` must find nothing.
    const fields: Record<string, ScalarField> = Object.create(null);
    for (const name of meta.fieldNames) fields[name] = { kind: meta.fields[name].kind, nullable: meta.fields[name].nullable };
    for (const name of declaration.filters) {
      if (!fields[name]) throw new Error(`${declaration.name}: filter on unknown field ${name}`);
    }
    const relations: Record<string, RelationShape> = Object.create(null);
    for (const [name, relation] of Object.entries(meta.relations)) {
      relations[name] = relationShape(relation, (model) => resourceOf(model, `${declaration.name}.${name}`));
    }
    resources.set(declaration.name, {
      name: declaration.name,
      model: declaration.model,
      description: declaration.description,
      fields,
      relations,
      presets: declaration.presets ?? [],
      filters: declaration.filters,
      defaultOrdering: meta.ordering.length ? meta.ordering : [meta.pk],
      writable: writableShape(declaration),
      visibility: resolveVisibility(declaration, visibilityOf),
      follows: declaration.visibility?.kind === 'follows' ? declaration.visibility.relation : undefined,
      privateFields: declaration.privateFields,
      writers: declaration.writers ?? adminOnly,
    });
    for (const name of declaration.privateFields?.names ?? []) {
      if (!fields[name]) throw new Error(`${declaration.name}: private field ${name} is not a field`);
    }
  }
  return resources;
}

/**
 * A declaration's rule as a function of the principal. A resource that
 * follows a to-one relation gets "the related row exists and is visible"
 * (Relation.whereRelated: EXISTS subqueries, one per target type of a generic
 * relation), and no condition when no target has one.
 */
function resolveVisibility(
  declaration: ResourceDeclaration,
  visibilityOf: (model: Model<any, any>) => Resource['visibility'],
): Resource['visibility'] {
  const rule = declaration.visibility ?? visibleToEveryone;
  switch (rule.kind) {
    case 'everyone':
      return () => undefined;
    case 'condition':
      return (principal) => {
        const condition = rule.condition(principal);
        return condition === undefined ? undefined : Q.and(condition);
      };
    case 'follows': {
      const relation = declaration.model.meta.relations[rule.relation];
      if (!relation?.toOne) throw new Error(`${declaration.name}: visibility follows ${rule.relation}, which is not a to-one relation`);
      return (principal) => {
        let conditions = 0;
        const condition = relation.whereRelated((model) => {
          const own = visibilityOf(model)(principal);
          if (own) conditions++;
          return own;
        });
        return conditions ? condition : undefined;
      };
    }
  }
}

/** What the HTTP layers need of an ORM relation: its capabilities, with targets as resource names. */
function relationShape(relation: Relation, resourceOf: (model: Model<any, any>) => string): RelationShape {
  return {
    name: relation.name,
    many: !relation.toOne,
    joinable: relation.joinable,
    nullable: relation.toOne && relation.nullable,
    targets: relation.targets.map(resourceOf),
  };
}
