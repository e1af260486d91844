import type pg from 'pg';

/**
 * Counts the writes a pg client makes to its socket: each flush is one call
 * of _write or _writev (pg corks a statement's messages). `count()` gives the
 * writes since the last `reset()`.
 */
export function countSocketWrites(client: pg.Client): { count(): number; reset(): void } {
  const socket = (client as unknown as { connection: { stream: Record<string, (...args: unknown[]) => unknown> } }).connection.stream;
  let writes = 0;
  for (const method of ['_write', '_writev']) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return { count: () => writes, reset: () => (writes = 0) };
}
