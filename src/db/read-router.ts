/**
 * Which database a read runs on (API.md §9): the replica when there is one and
 * its monitor says it may serve the read (reachable, lag within the limit,
 * replayed past the client's consistency token), else the primary. Writes and
 * the reads that answer them (token checks, a write's own reads) use the
 * primary directly; they never come here.
 *
 * A read that fails on the replica because the replica went away (refused,
 * reset, shut down, a recovery conflict cancelled it) marks it unreachable and
 * runs again on the primary, so no request fails for the replica: a read has
 * no effects to undo, only its snapshot to take again.
 */
import { isDatabaseUnavailable } from '../errors.js';
import type { Database } from './database.js';
import type { Lsn } from './lsn.js';
import { ReplicaMonitor, type ReplicaStatus } from './replica-monitor.js';

export interface ReadPathStatus {
  /** Where reads go right now. */
  reads: 'primary' | 'replica';
  /** With a replica configured: its state as last seen. */
  replica?: { state: ReplicaStatus['state']; lagMs: number };
}

/** SQLSTATEs a hot standby answers with when replay cancels a query (conflict with recovery, database dropped). */
const RECOVERY_CONFLICTS = new Set(['40001', '57P04']);

function replicaFailed(error: unknown): boolean {
  return isDatabaseUnavailable(error) || RECOVERY_CONFLICTS.has((error as { code?: string })?.code ?? '');
}

export class ReadRouter {
  constructor(
    readonly primary: Database,
    readonly replica?: Database,
    readonly monitor?: ReplicaMonitor,
  ) {}

  /**
   * A router for `primary` and, when given, a replica watched by a monitor
   * (started: its first poll is awaited, so the first reads already know).
   */
  static async start(primary: Database, replica: Database | undefined, maxLagMs: number): Promise<ReadRouter> {
    if (!replica) return new ReadRouter(primary);
    const monitor = new ReplicaMonitor(primary.db, replica.db, { maxLagMs });
    await monitor.start();
    return new ReadRouter(primary, replica, monitor);
  }

  /** The database a read that must see `after` (a consistency token's position) runs on now. */
  choose(after?: Lsn): Database {
    return this.replica && this.monitor!.canServe(after) ? this.replica : this.primary;
  }

  /** Runs `read` on {@link choose}'s database; on the replica's failure, once more on the primary. */
  async read<T>(after: Lsn | undefined, read: (database: Database) => Promise<T>): Promise<T> {
    const database = this.choose(after);
    if (database === this.primary) return read(database);
    try {
      return await read(database);
    } catch (error) {
      if (!replicaFailed(error)) throw error;
      this.monitor!.markUnreachable();
      return read(this.primary);
    }
  }

  status(): ReadPathStatus {
    if (!this.monitor) return { reads: 'primary' };
    const { state, lagMs } = this.monitor.status;
    return { reads: this.monitor.canServe() ? 'replica' : 'primary', replica: { state, lagMs } };
  }

  /** Stops the monitor (the databases belong to whoever opened them). */
  async stop(): Promise<void> {
    await this.monitor?.stop();
  }
}
