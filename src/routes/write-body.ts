/**
 * A write's body → the field values and the link lists to write, or the
 * problem: 400 when it is not `{ "data": { … } }`, 422 with one JSON Pointer
 * per problem (all of them in one response) when `data` is wrong.
 */
import type { z } from 'zod';
import { type BodyIssue, problems } from '../errors.js';
import type { InputSchemas } from '../serializers/input-schemas.js';
import type { Resource } from './resources/index.js';

export interface WriteInput {
  /** Field values to write (timestamps as Dates). */
  values: Record<string, unknown>;
  /** Link lists by relation name: `{ tags: [1, 2] }`. */
  links: Record<string, number[]>;
  /** The link lists by their body name (`tagIds`), for pointers. */
  linkFields: Record<string, string>;
}

const ENVELOPE = 'the body must be a JSON object { "data": { … } }';

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function pointer(...path: PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issuesOf(error: z.ZodError, resource: Resource): BodyIssue[] {
  const issues: BodyIssue[] = [];
  const writable = [...Object.keys(resource.writable.fields), ...Object.keys(resource.writable.links)];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const detail = resource.writable.serverSet.includes(key)
          ? `${key} is set by the server and cannot be written`
          : `unknown field '${key}'; writable fields of ${resource.name} are ${writable.join(', ')}`;
        issues.push({ pointer: pointer('data', ...issue.path, key), detail });
      }
    } else {
      issues.push({ pointer: pointer('data', ...issue.path), detail: issue.message });
    }
  }
  return issues;
}

/** Checks and splits a write body; throws the 400 or 422 problem. */
export function parseWriteBody(body: unknown, resource: Resource, schemas: InputSchemas, mode: 'create' | 'patch'): WriteInput {
  if (!isObject(body)) throw problems.invalidBody(`${ENVELOPE}; got ${body === undefined ? 'no body' : Array.isArray(body) ? 'an array' : JSON.stringify(body)}`);
  if (!('data' in body)) throw problems.invalidBody(`${ENVELOPE}; "data" is missing`);
  if (!isObject(body.data)) throw problems.invalidBody(`${ENVELOPE}; "data" is ${body.data === null ? 'null' : Array.isArray(body.data) ? 'an array' : `a ${typeof body.data}`}`);
  const extra: BodyIssue[] = Object.keys(body)
    .filter((key) => key !== 'data')
    .map((key) => ({ pointer: pointer(key), detail: `unknown member '${key}'; ${ENVELOPE}` }));
  const parsed = schemas[mode].safeParse(body.data, { reportInput: true });
  const issues = [...extra, ...(parsed.success ? [] : issuesOf(parsed.error, resource))];
  if (issues.length) throw problems.unprocessable(issues);
  const values: Record<string, unknown> = {};
  const links: Record<string, number[]> = {};
  const linkFields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.data as Record<string, unknown>)) {
    const relation = resource.writable.links[name];
    if (relation) {
      links[relation] = value as number[];
      linkFields[relation] = name;
    } else values[name] = value;
  }
  return { values, links, linkFields };
}
