import { RESOURCE_FIELDS, type FieldResource, type JsonObject } from './resource-fields.js';

/**
 * Copies an ORM instance's scalar fields into a plain API object (the
 * instances' own properties are the fields, named as in JSON already).
 */
export function instanceJson(resource: FieldResource, instance: object): JsonObject {
  const source = instance as Record<string, unknown>;
  const object: Record<string, unknown> = {};
  for (const [json] of RESOURCE_FIELDS[resource]) object[json] = source[json];
  return object as JsonObject;
}
