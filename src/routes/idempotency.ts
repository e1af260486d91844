/**
 * `Idempotency-Key` on POST (API.md §5). Before the write, the key is
 * claimed in a transaction of its own (a row with no status: in flight);
 * the write's transaction completes it with the response, so the response
 * kept is exactly that of the write that committed. A retry with the same
 * key and the same request gets that response again (`Idempotent-Replayed:
 * true`) and writes nothing; with another request, a 422; while the first is
 * in flight, a 409. A write that fails releases its claim (it wrote nothing,
 * so it may be retried). Keys live 24 hours; every claim deletes a few
 * expired rows, so no cron is needed. A claim left by a process that died is
 * taken over after STALE_AFTER.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { ApiProblem, problems } from '../errors.js';
import { executeWrite } from '../orm/execute-write.js';
import type { Session } from '../orm/index.js';
import type { WriteOutcome } from './write-operations.js';

/** 1..255 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;
const KEPT_FOR = sql.lit('24 hours');
/** Longer than any write may run (statement timeout, a few statements). */
const STALE_AFTER = sql.lit('5 minutes');
/** Expired rows deleted per claim: enough to outpace the keys created. */
const PURGE_BATCH = 20;

export interface IdempotencyClaim {
  principal: string;
  key: string;
  hash: string;
}

function principalKey(principal: Principal): string {
  return principal.kind === 'author' ? `author:${principal.authorId}` : principal.kind === 'admin' ? `admin:${principal.tokenId}` : 'anonymous';
}

/** The request's claim, or undefined without the header; a malformed key is a 400. */
export function idempotencyClaim(request: FastifyRequest): IdempotencyClaim | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ApiProblem(400, 'invalid-header', 'Bad Request', 'Idempotency-Key must be 1 to 255 visible ASCII characters, given once');
  }
  // The request as the client sent it: method, URL with its query, and the body.
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('base64url');
  return { principal: principalKey(request.principal), key: header, hash };
}

interface KeyRow {
  request_hash: string;
  status: number | null;
  response: WriteOutcome | string | null;
  expired: boolean;
  stale: boolean;
}

/**
 * Claims the key (undefined: this request is to run) or answers from it:
 * the kept outcome to replay, or the 409 / 422 problem.
 */
export async function claimKey(session: Session, claim: IdempotencyClaim): Promise<WriteOutcome | undefined> {
  const { principal, key, hash } = claim;
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await executeWrite(session, sql<{ claimed: number }>`with purged as (
        delete from idempotency_keys where ctid in (
          select ctid from idempotency_keys where created_at < now() - interval ${KEPT_FOR} and not (principal = ${principal} and key = ${key}) limit ${PURGE_BATCH}))
      insert into idempotency_keys (principal, key, request_hash) values (${principal}, ${key}, ${hash})
      on conflict (principal, key) do nothing returning 1 as claimed`);
    if (inserted.rows.length) return undefined;
    const { rows } = await executeWrite(session, sql<KeyRow>`select request_hash, status, response,
        created_at < now() - interval ${KEPT_FOR} as expired, created_at < now() - interval ${STALE_AFTER} as stale
      from idempotency_keys where principal = ${principal} and key = ${key} for update`);
    const row = rows[0];
    if (!row) continue; // deleted since: claim again
    if (row.expired || (row.status === null && row.stale)) {
      await executeWrite(session, sql`update idempotency_keys set request_hash = ${hash}, status = null, response = null, created_at = now()
        where principal = ${principal} and key = ${key}`);
      return undefined;
    }
    // In flight first: until the first request ends, nothing is known of its answer.
    if (row.status === null) throw problems.requestInFlight();
    if (row.request_hash !== hash) {
      throw new ApiProblem(422, 'idempotency-key-reused', 'Unprocessable Content', 'this Idempotency-Key was used for another request (another body or URL); use a new key');
    }
    const outcome = typeof row.response === 'string' ? (JSON.parse(row.response) as WriteOutcome) : row.response!;
    return { ...outcome, replayed: true };
  }
  throw problems.requestInFlight();
}

/** Keeps the outcome for the key, in the write's own transaction. */
export async function completeKey(session: Session, claim: IdempotencyClaim, outcome: WriteOutcome): Promise<void> {
  await executeWrite(session, sql`update idempotency_keys set status = ${outcome.status}, response = ${JSON.stringify(outcome)}::jsonb
    where principal = ${claim.principal} and key = ${claim.key}`);
}

/** Gives the key up after a failed write (nothing was written: a retry may run it). */
export async function releaseKey(session: Session, claim: IdempotencyClaim): Promise<void> {
  await executeWrite(session, sql`delete from idempotency_keys where principal = ${claim.principal} and key = ${claim.key} and status is null`);
}
