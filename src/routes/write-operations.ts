/**
 * The steps of a write inside its transaction, through the ORM's public API:
 * read and lock the row (update, delete), check If-Match, authorize, write the
 * fields and the links, and read the response as GET would show it. The
 * database's integrity errors become the client's problems here: a unique
 * value taken is a 409, a key that points nowhere a 422 at its field, found
 * by the database itself (no check-then-write race).
 */
import type { FastifyRequest } from 'fastify';
import { problems } from '../errors.js';
import { IntegrityError, type ModelInstance, type QuerySet, type RelatedManager, type Session, versionOf } from '../orm/index.js';
import { ifMatchAllows, strongEtag } from './etag.js';
import type { ResponseLimits } from '../serializers/response-budget.js';
import { loadOne, wholeObject } from './load-resources.js';
import type { ParsedRequest } from './request-parser.js';
import type { Resource } from './resources/index.js';
import { authorizeWrite } from './write-authorize.js';
import { pointer, type WriteInput } from './write-body.js';

type Resources = ReadonlyMap<string, Resource>;

/** What a write answers; write-routes.ts turns it into the response. */
export interface WriteOutcome {
  status: 200 | 201 | 204;
  location?: string;
  etag?: string;
  data?: Record<string, unknown>;
  /** A replay of a kept response (Idempotency-Key). */
  replayed?: boolean;
}

export interface WriteContext {
  session: Session;
  request: FastifyRequest;
  resource: Resource;
  resources: Resources;
  /** include / fields of the response; undefined: answer without a body (Prefer: return=minimal). */
  response: ParsedRequest | undefined;
  /** The response budget of the object read back. */
  limits: ResponseLimits;
}

function fieldOfColumn(resource: Resource, column: string | undefined): string | undefined {
  const meta = resource.model.meta;
  return meta.fieldNames.find((name) => meta.columnOf(name) === column);
}

/** The client's problem for an integrity error of the resource's own table. */
function problemOf(error: unknown, resource: Resource): unknown {
  if (!(error instanceof IntegrityError) || error.table !== resource.model.meta.table) return error;
  const field = fieldOfColumn(resource, error.column);
  if (!field) return error;
  const at = pointer('data', field);
  switch (error.kind) {
    case 'unique':
      return problems.conflict(at, `${field} '${error.value}' is already taken by another of ${resource.name}`);
    case 'foreignKey': {
      const target = Object.values(resource.relations).find((relation) => resource.model.meta.relations[relation.name]?.keyFields().includes(field));
      return problems.unprocessable([{ pointer: at, detail: `no ${target?.targets[0] ?? 'row'} with id ${error.value}` }]);
    }
    case 'notNull':
      return problems.unprocessable([{ pointer: at, detail: 'may not be null' }]);
    case 'check':
      return problems.unprocessable([{ pointer: at, detail: error.message }]);
  }
}

async function writing<T>(resource: Resource, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw problemOf(error, resource);
  }
}

/**
 * Rows the body points at that the database does not check (a reaction's
 * target): each must exist, and is locked as a foreign key would lock it, so
 * it cannot be deleted before the write commits.
 */
async function checkUncheckedTargets(context: WriteContext, values: Record<string, unknown>, changed: readonly string[]): Promise<void> {
  for (const relation of Object.values(context.resource.model.meta.relations)) {
    const fields = [...relation.keyFields(), ...Object.keys(relation.fieldChoices())];
    const target = fields.some((name) => changed.includes(name)) ? relation.uncheckedTarget(values) : undefined;
    if (!target) continue;
    const found = await (target.model.objects as QuerySet<any>).using(context.session).filter({ pk: target.key }).only(target.model.meta.pk).selectForKeyShare().first();
    if (!found) {
      const field = relation.keyFields()[0];
      throw problems.unprocessable([{ pointer: pointer('data', field), detail: `no ${target.model.name.toLowerCase()} with id ${String(target.key)}` }]);
    }
  }
}

/** Replaces the many-to-many links the body lists (`tagIds`), one statement each. */
async function writeLinks(context: WriteContext, instance: ModelInstance, input: WriteInput): Promise<void> {
  for (const [relation, ids] of Object.entries(input.links)) {
    const manager = (instance as unknown as Record<string, RelatedManager>)[relation];
    try {
      await manager.set(ids, { using: context.session });
    } catch (error) {
      if (!(error instanceof IntegrityError) || error.kind !== 'foreignKey') throw error;
      const index = ids.indexOf(Number(error.value));
      const at = index >= 0 ? pointer('data', input.linkFields[relation], index) : pointer('data', input.linkFields[relation]);
      throw problems.unprocessable([{ pointer: at, detail: `no ${relation} with id ${error.value}` }]);
    }
  }
}

/** The response: the object as GET shows it (same transaction), or only the ETag for a minimal one. */
async function answer(context: WriteContext, instance: ModelInstance, status: 200 | 201): Promise<WriteOutcome> {
  const { resource, request } = context;
  const id = (instance as unknown as { id: number }).id;
  const location = status === 201 ? `/${resource.name}/${id}` : undefined;
  if (!context.response) {
    const version = versionOf(instance);
    return { status: 204, location, etag: version === undefined ? undefined : strongEtag(version, request.principal) };
  }
  const version = wholeObject(context.response);
  const loaded = await loadOne(context.session, resource, id, context.response, context.resources, request.principal, { version, limits: context.limits });
  // Issue 14: a principal who may write a row they then cannot see gets a 404 from the read.
  if (!loaded) throw problems.notFound(resource.name, String(id));
  return { status, location, data: loaded.data, etag: loaded.version === undefined ? undefined : strongEtag(loaded.version, request.principal) };
}

/** POST: insert, link, answer 201. */
export async function createObject(context: WriteContext, input: WriteInput): Promise<WriteOutcome> {
  const { session, resource, request } = context;
  await authorizeWrite({ action: 'create', principal: request.principal, resource, resources: context.resources, values: input.values, session });
  await checkUncheckedTargets(context, input.values, Object.keys(input.values));
  const instance = await writing(resource, () => (resource.model.objects as QuerySet<any>).using(session).create(input.values));
  await writeLinks(context, instance, input);
  return answer(context, instance, 201);
}

/** The row a PATCH or DELETE acts on, locked; 404 when missing, 412 when If-Match names another version. */
async function lockedRow(context: WriteContext, id: number | null): Promise<ModelInstance> {
  const { session, resource, request } = context;
  const raw = (request.params as { id: string }).id;
  const row = id === null ? null : await (resource.model.objects as QuerySet<any>).using(session).filter({ pk: id }).withVersion().selectForUpdate().first();
  if (!row) throw problems.notFound(resource.name, raw);
  const current = strongEtag(versionOf(row)!, request.principal);
  if (!ifMatchAllows(request.headers['if-match'], current)) {
    throw problems.preconditionFailed(`If-Match does not match the current version of ${resource.name} ${raw} (${current}); read it again and retry`);
  }
  return row;
}

/**
 * PATCH: the fields given are written (those alone, even when equal, so the
 * row's version moves); with If-Match and no field, the row is still touched,
 * so two writers holding one version cannot both succeed.
 */
export async function updateObject(context: WriteContext, id: number | null, input: WriteInput): Promise<WriteOutcome> {
  const { session, resource, request } = context;
  const row = await lockedRow(context, id);
  await authorizeWrite({ action: 'update', principal: request.principal, resource, resources: context.resources, existing: row, values: input.values, session });
  const fields = Object.keys(input.values);
  Object.assign(row, input.values);
  await checkUncheckedTargets(context, row as unknown as Record<string, unknown>, fields);
  const touched = fields.length ? fields : request.headers['if-match'] !== undefined ? [resource.model.meta.pk] : [];
  if (touched.length) await writing(resource, () => row.save({ using: session, updateFields: touched }));
  await writeLinks(context, row, input);
  return answer(context, row, 200);
}

/** DELETE: the row and what cascades from it; 204. */
export async function deleteObject(context: WriteContext, id: number | null): Promise<WriteOutcome> {
  const { session, resource, request } = context;
  const row = await lockedRow(context, id);
  await authorizeWrite({ action: 'delete', principal: request.principal, resource, resources: context.resources, existing: row, session });
  await row.delete({ using: session });
  return { status: 204 };
}
