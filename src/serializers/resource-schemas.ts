/**
 * One zod 4 schema per resource, derived from its declaration (fields and
 * relations come from the model, so the schema cannot drift from what the
 * planner loads). Each carries `.meta({ id })`, so OpenAPI gets a component
 * per resource and `$ref`s between them; relations are getters because the
 * graph has cycles (article → author → articles).
 *
 * Fields other than `id` are optional in the schema: sparse fieldsets
 * (`fields[articles]=title`) leave them out. Included relations are optional:
 * a relation appears only when included; `counts` only when `count=` asks.
 */
import { z } from 'zod';
import { countKeys } from '../routes/count-parser.js';
import type { Resource } from '../routes/resources/index.js';
import type { FieldKind, RelationShape, ScalarField } from '../routes/resources/resource.js';

export type ResourceSchemas = ReadonlyMap<string, z.ZodObject>;

const SCALARS: Record<FieldKind, () => z.ZodType> = {
  id: () => z.int().positive(),
  integer: () => z.int(),
  text: () => z.string(),
  boolean: () => z.boolean(),
  timestamp: () => z.iso.datetime().describe('ISO 8601 in UTC with milliseconds'),
};

function scalarSchema(name: string, field: ScalarField): z.ZodType {
  const base = SCALARS[field.kind]();
  const nullable = field.nullable ? base.nullable() : base;
  return name === 'id' ? nullable : nullable.optional();
}

/** A list of the target (`Comment[]`), or one object: a `$ref`, a union for a polymorphic target, with null when nullable. */
function relationSchema(relation: RelationShape, schemas: ResourceSchemas): z.ZodType {
  const targets = relation.targets.map((name) => schemas.get(name)!);
  if (relation.many) return z.array(targets.length === 1 ? targets[0] : z.union(targets)).optional();
  // One flat anyOf for a nullable generic target (Article, Comment or null), not a union nested in a nullable.
  const branches = relation.nullable ? [...targets, z.null()] : targets;
  return (branches.length === 1 ? branches[0] : z.union(branches)).optional();
}

function countsSchema(resource: Resource, resources: ReadonlyMap<string, Resource>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const key of countKeys(resource, resources)) shape[key] = z.int().min(0).optional();
  return z
    .object(shape)
    .optional()
    .describe(`Present when count= asks for counts of this object's relations: relation[:preset] → the number of related rows (${Object.keys(shape).join(', ')})`);
}

/** Singular PascalCase component name of a resource: `articles` → `Article`. */
export function componentName(resource: Resource): string {
  return resource.model.name;
}

/** Builds the schema of every resource; relation properties resolve lazily through the map. */
export function buildResourceSchemas(resources: ReadonlyMap<string, Resource>): ResourceSchemas {
  const schemas = new Map<string, z.ZodObject>();
  for (const resource of resources.values()) {
    const shape: Record<string, z.ZodType> = {};
    for (const [name, field] of Object.entries(resource.fields)) shape[name] = scalarSchema(name, field);
    if (countKeys(resource, resources).length) shape.counts = countsSchema(resource, resources);
    for (const relation of Object.values(resource.relations)) {
      Object.defineProperty(shape, relation.name, { enumerable: true, get: () => relationSchema(relation, schemas) });
    }
    const schema = z.object(shape).meta({
      id: componentName(resource),
      description: `${resource.description} Fields other than id are left out by a sparse fieldset (fields[${resource.name}]); a relation appears only when included.`,
    });
    schemas.set(resource.name, schema);
  }
  return schemas;
}
