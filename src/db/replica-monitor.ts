/**
 * Watches a streaming replica from the service's side: is it reachable, how
 * far has it replayed, how far behind the primary is it in time. Reads ask it
 * (without a query of their own) whether the replica may serve them.
 *
 * Lag, as API.md §9 settles it, is how far the replica's replayed WAL position
 * is behind the primary's, in time. PostgreSQL has no clock for "when did the
 * primary write position X", so each poll records the primary's position with
 * the time it was seen; the replica's lag is the age of the oldest recorded
 * position it has not replayed yet (0 when it has replayed everything, however
 * long ago the last write was, and however long replay has been paused). The
 * estimate is low by at most one poll interval.
 */
import { type Kysely, sql } from 'kysely';
import { type Lsn, parseLsn } from './lsn.js';

export type ReplicaState = 'starting' | 'ok' | 'lagging' | 'unreachable';

export interface ReplicaStatus {
  state: ReplicaState;
  /** Estimated replay lag at the last poll (ms); 0 when unknown. */
  lagMs: number;
  /** Position the replica had replayed at the last poll; undefined for a server that is not a standby (it has everything). */
  replayed?: Lsn;
}

export interface ReplicaMonitorOptions {
  /** Reads leave the replica while it lags more than this (ms). */
  maxLagMs: number;
  /** Poll interval (ms). Default: half the allowed lag, between 100 ms and 1 s. */
  pollMs?: number;
  now?: () => number;
}

/** Positions remembered while the replica has not replayed them; the oldest matters, so the middle is dropped first. */
const MAX_HISTORY = 1000;

export class ReplicaMonitor {
  readonly maxLagMs: number;
  readonly pollMs: number;
  readonly #primary: Kysely<any>;
  readonly #replica: Kysely<any>;
  readonly #now: () => number;
  /** Primary positions not yet replayed, oldest first, with when they were first seen. */
  #unreplayed: Array<{ at: number; lsn: Lsn }> = [];
  #status: ReplicaStatus = { state: 'starting', lagMs: 0 };
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** How long a poll's query may take before its server counts as not answering (a loaded machine is slow, not down). */
  readonly #answerMs: number;

  constructor(primary: Kysely<any>, replica: Kysely<any>, options: ReplicaMonitorOptions) {
    this.#primary = primary;
    this.#replica = replica;
    this.maxLagMs = options.maxLagMs;
    this.pollMs = options.pollMs ?? Math.min(1000, Math.max(100, Math.floor(options.maxLagMs / 2)));
    this.#now = options.now ?? Date.now;
    this.#answerMs = Math.max(2000, this.pollMs * 5);
  }

  get status(): ReplicaStatus {
    return this.#status;
  }

  /** Whether a read that must see position `after` (if given) may run on the replica now. */
  canServe(after?: Lsn): boolean {
    const { state, replayed } = this.#status;
    if (state !== 'ok') return false;
    return after === undefined || replayed === undefined || replayed >= after;
  }

  /** A read found the replica unreachable: keep reads off it until a poll reaches it again. */
  markUnreachable(): void {
    this.#status = { ...this.#status, state: 'unreachable' };
  }

  /** Polls now and then every `pollMs` until `stop()`; the first poll is awaited. */
  async start(): Promise<void> {
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.poll(), this.pollMs);
      this.#timer.unref();
    }
    await this.poll();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  /** One poll (a slow one is not overlapped by the next). */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const at = this.#now();
    // The primary first: a position the replica has replayed by the time it is asked counts as replayed.
    const primary = await withTimeout(position(this.#primary, sql`select pg_current_wal_lsn()::text as lsn`), this.#answerMs).catch(() => undefined);
    let replica: { standby: boolean; replayed: string | null };
    try {
      replica = await withTimeout(
        one<{ standby: boolean; replayed: string | null }>(
          this.#replica,
          sql`select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed`,
        ),
        this.#answerMs,
      );
    } catch {
      this.#status = { state: 'unreachable', lagMs: 0 };
      return;
    }
    // Not a standby (the primary itself, or a pooler in front of it): it has every write.
    if (!replica.standby || replica.replayed === null) {
      this.#unreplayed = [];
      this.#status = { state: 'ok', lagMs: 0 };
      return;
    }
    const replayed = parseLsn(replica.replayed)!;
    this.#remember(at, primary);
    while (this.#unreplayed.length > 0 && this.#unreplayed[0].lsn <= replayed) this.#unreplayed.shift();
    const lagMs = this.#unreplayed.length > 0 ? this.#now() - this.#unreplayed[0].at : 0;
    this.#status = { state: lagMs > this.maxLagMs ? 'lagging' : 'ok', lagMs, replayed };
  }

  #remember(at: number, lsn: Lsn | undefined): void {
    if (lsn === undefined) return; // primary unreachable: judge by what is known
    const last = this.#unreplayed.at(-1);
    if (last && last.lsn >= lsn) return;
    this.#unreplayed.push({ at, lsn });
    if (this.#unreplayed.length > MAX_HISTORY) this.#unreplayed.splice(1, 1);
  }
}

async function one<T>(db: Kysely<any>, query: ReturnType<typeof sql>): Promise<T> {
  const { rows } = await query.execute(db);
  return rows[0] as T;
}

async function position(db: Kysely<any>, query: ReturnType<typeof sql>): Promise<Lsn | undefined> {
  const row = await one<{ lsn: string | null }>(db, query);
  return row.lsn === null ? undefined : parseLsn(row.lsn);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
