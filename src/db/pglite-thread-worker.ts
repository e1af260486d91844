/**
 * The worker side of PGliteThread (pglite-thread.ts): owns the PGlite
 * instance and answers its requests. Requests are handled as they arrive,
 * not one after another: PGlite orders them itself (its query lock, and a
 * transaction's exclusive lock), exactly as it would in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { ThreadReply, ThreadRequest, ThreadOptions } from './pglite-thread.js';

const INT8_OID = 20;

/** Rolls back a transaction whose callback on the main thread failed. */
class CallerRolledBack extends Error {}

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  settled: Promise<void>;
}

const options = workerData as ThreadOptions;
const port = parentPort!;
const transactions = new Map<number, OpenTransaction>();

/** A plain copy of an error: its class does not survive the hop, its SQLSTATE, message and details must. */
function plainError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const copy: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) copy[key] = value;
  }
  return copy;
}

const pglite = await PGlite.create({
  dataDir: options.dataDir,
  loadDataDir: options.loadDataDir ? new Blob([options.loadDataDir]) : undefined,
  // Mirrors the in-thread PGlite (database.ts): int8 as a number.
  parsers: { [INT8_OID]: (value: string) => Number(value) },
});

function begin(id: number): Promise<void> {
  let finish!: (commit: boolean) => void;
  const outcome = new Promise<boolean>((resolve) => (finish = resolve));
  return new Promise<void>((begun, failed) => {
    const settled = pglite.transaction(async (tx) => {
      transactions.set(id, { tx, finish, settled });
      begun();
      if (!(await outcome)) throw new CallerRolledBack();
    });
    settled.catch(failed);
  });
}

async function end(id: number, commit: boolean): Promise<void> {
  const open = transactions.get(id);
  if (!open) return;
  transactions.delete(id);
  open.finish(commit);
  try {
    await open.settled;
  } catch (error) {
    if (!(error instanceof CallerRolledBack)) throw error;
  }
}

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const target = request.tx === undefined ? pglite : transactions.get(request.tx)?.tx;
      if (!target) throw new Error('the transaction has ended');
      const { rows, fields, affectedRows } = await target.query(request.sql, request.params, request.options);
      return { rows, fields, affectedRows };
    }
    case 'begin':
      return begin(request.id);
    case 'rollback':
      return transactions.get(request.tx)?.tx.rollback();
    case 'end':
      return end(request.tx, request.commit);
    case 'dump': {
      const dump = await pglite.dumpDataDir(request.compression);
      return new Uint8Array(await dump.arrayBuffer());
    }
    case 'close':
      if (!pglite.closed) await pglite.close();
      return undefined;
  }
}

/**
 * Rows go back in messages of ROWS_PER_MESSAGE: each is copied into the main
 * thread as one task, so a large result (20,000 rows at the row budget) does
 * not hold the event loop for the whole copy (measured: structuredClone of
 * 20,000 comment rows 56-200 ms on a loaded machine).
 */
const ROWS_PER_MESSAGE = 1000;

function reply(id: number, result: unknown): void {
  const rows = (result as { rows?: unknown[] } | undefined)?.rows;
  if (rows && rows.length > ROWS_PER_MESSAGE) {
    let start = 0;
    for (; rows.length - start > ROWS_PER_MESSAGE; start += ROWS_PER_MESSAGE) {
      port.postMessage({ id, rows: rows.slice(start, start + ROWS_PER_MESSAGE) } satisfies ThreadReply);
    }
    result = { ...(result as object), rows: rows.slice(start) };
  }
  port.postMessage({ id, result } satisfies ThreadReply, result instanceof Uint8Array ? [result.buffer as ArrayBuffer] : []);
}

port.on('message', (request: ThreadRequest) => {
  handle(request).then(
    (result) => reply(request.id, result),
    (error) => port.postMessage({ id: request.id, error: plainError(error) } satisfies ThreadReply),
  );
});
port.postMessage({ id: 0, result: 'ready' } satisfies ThreadReply);
