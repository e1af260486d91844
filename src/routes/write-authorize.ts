/**
 * The permission step of every write (API.md §6 "Who may write"), run inside
 * the write's transaction after the row it changes has been read and locked
 * (update, delete) and before anything is written. It throws the problem to
 * answer (401, 403, or 404 for a row the principal may not see).
 *
 * Issue 14 fills this in; until then every write is allowed.
 */
import type { Principal } from '../auth/principal.js';
import type { ModelInstance, Session } from '../orm/index.js';
import type { Resource } from './resources/index.js';

export interface WriteAttempt {
  action: 'create' | 'update' | 'delete';
  principal: Principal;
  resource: Resource;
  /** The row as it is, locked until the transaction ends (update, delete). */
  existing?: ModelInstance;
  /** The field values the body writes (create, update). */
  values?: Readonly<Record<string, unknown>>;
  /** The request's session, in the write's transaction, for checks that read. */
  session: Session;
}

export async function authorizeWrite(_attempt: WriteAttempt): Promise<void> {}
