/**
 * The permission step of every write (API.md §6 "Who may write"), run inside
 * the write's transaction after the row it changes has been read and locked
 * (update, delete) and before anything is written, so no check-then-act race.
 * Visibility comes first: a row the principal cannot see is a 404, a body
 * naming one a 422 as for a missing row; then the resource's write rule
 * (resources/write-rules.ts): not allowed is a 403. Admins may do anything.
 */
import type { Principal } from '../auth/principal.js';
import { problems } from '../errors.js';
import type { Model, ModelInstance, QuerySet, Session } from '../orm/index.js';
import type { Resource } from './resources/index.js';
import { pointer } from './write-body.js';

export interface WriteAttempt {
  action: 'create' | 'update' | 'delete';
  principal: Principal;
  resource: Resource;
  resources: ReadonlyMap<string, Resource>;
  /** The row as it is, locked until the transaction ends (update, delete). */
  existing?: ModelInstance;
  /** The field values the body writes (create, update). */
  values?: Readonly<Record<string, unknown>>;
  /** The request's session, in the write's transaction, for checks that read. */
  session: Session;
}

const VERBS = { create: 'create', update: 'change', delete: 'delete' } as const;

/** Whether the row of `model` with primary key `key` is visible to the principal (one statement, in the transaction). */
async function isVisible(attempt: WriteAttempt, model: Model<any, any>, key: unknown): Promise<boolean> {
  const resource = [...attempt.resources.values()].find((candidate) => candidate.model === model);
  const condition = resource?.visibility(attempt.principal);
  if (!condition) return true;
  return (model.objects as QuerySet<any>).using(attempt.session).filter({ pk: key }, condition).exists();
}

/** A body that points at a row the principal cannot see gets the 422 of a missing row. */
async function refuseHiddenTargets(attempt: WriteAttempt): Promise<void> {
  const values = attempt.values ?? {};
  const merged = { ...(attempt.existing as unknown as Record<string, unknown>), ...values };
  for (const relation of Object.values(attempt.resource.model.meta.relations)) {
    if (!relation.toOne) continue;
    const fields = [...relation.keyFields(), ...Object.keys(relation.fieldChoices())];
    if (!fields.some((name) => name in values)) continue;
    const unchecked = relation.uncheckedTarget(merged);
    const field = relation.keyFields()[0];
    const key = unchecked ? unchecked.key : merged[field];
    const model = unchecked ? unchecked.model : relation.target;
    if (!model || key === null || key === undefined || (await isVisible(attempt, model, key))) continue;
    const name = unchecked ? model.name.toLowerCase() : ([...attempt.resources.values()].find((r) => r.model === model)?.name ?? 'row');
    throw problems.unprocessable([{ pointer: pointer('data', field), detail: `no ${name} with id ${String(key)}` }]);
  }
}

export async function authorizeWrite(attempt: WriteAttempt): Promise<void> {
  const { principal, resource, action, existing } = attempt;
  if (principal.kind === 'anonymous') throw problems.unauthorized('writes need Authorization: Bearer <token>');
  if (principal.kind === 'admin') return;
  const me = principal.authorId;
  const row = existing as unknown as Record<string, unknown> | undefined;
  const pk = row?.[resource.model.meta.pk];
  if (row && !(await isVisible(attempt, resource.model, pk))) throw problems.notFound(resource.name, String(pk));
  const rule = resource.writers;
  const refuse = (why: string) => problems.forbidden(`an author may not ${VERBS[action]} ${resource.name}${pk === undefined ? '' : `/${String(pk)}`}: ${why}`);
  switch (rule.kind) {
    case 'adminOnly':
      throw refuse('only admins may');
    case 'selfOnly':
      if (action !== 'update') throw refuse('only admins may');
      if (pk !== me) throw refuse('it is not you');
      break;
    case 'ownedBy': {
      if (row && row[rule.owner] !== me) throw refuse('it is not yours');
      const values = attempt.values ?? {};
      if ((action === 'create' || rule.owner in values) && values[rule.owner] !== me) {
        throw refuse(`${rule.owner} must be your own author id (${me})`);
      }
      break;
    }
  }
  await refuseHiddenTargets(attempt);
}
