/**
 * Read routing against a real hot standby (API.md §9): the primary is the local
 * PostgreSQL, the replica the cluster `scripts/replica.sh up` streams from it.
 * Where a read ran is proved by what it saw (a paused replica does not have
 * the newest row) and by each server's own transaction counts
 * (pg_stat_database), never by looking inside the app.
 */
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { formatLsn, walInsertPosition } from '../../src/db/lsn.js';
import { openPostgres, type TestDatabase } from '../helpers/databases.js';
import { openReplicaOf, REPLICA_ADMIN_URL, type TestReplica, until } from '../helpers/replica.js';

if (!process.env.TEST_DATABASE_URL || !REPLICA_ADMIN_URL) {
  t.plan(0, 'needs TEST_DATABASE_URL and TEST_REPLICA_URL (npm run test:scale-out makes a replica)');
} else {
  const primary = await openPostgres(process.env.TEST_DATABASE_URL);
  t.teardown(() => primary.close());
  await primary.db.insertInto('authors').values({ name: 'Ada', email: 'ada@example.com' }).execute();
  const replica = await openReplicaOf(primary);
  t.teardown(async () => {
    await replica.resume().catch(() => {});
    await replica.database.close();
  });

  /** A new author written on the primary, and the token a write response would carry. */
  const write = async (name: string) => {
    const { id } = await primary.db.insertInto('authors').values({ name, email: `${name}@example.com` }).returning('id').executeTakeFirstOrThrow();
    return { id: Number(id), token: formatLsn(await walInsertPosition(primary.db)) };
  };
  const app = async (t: Test, maxLagMs: number): Promise<FastifyInstance> => {
    const built = await buildApp({ database: primary, readReplica: replica.database, readReplicaMaxLagMs: maxLagMs });
    t.teardown(() => built.close());
    return built;
  };
  const status = (app: FastifyInstance, url: string, token?: string) =>
    app.inject({ url, headers: token ? { 'loom-consistency': token } : {} }).then((response) => response.statusCode);
  const readiness = async (app: FastifyInstance) => (await app.inject('/health/ready')).json();

  t.test('reads go to the replica; a token ahead of it reads the primary', async (t) => {
    const loom = await app(t, 60_000);
    t.match(await readiness(loom), { status: 'ok', reads: 'replica', replica: { state: 'ok' } });
    await replica.pause();
    const { id, token } = await write('Grace');
    t.equal(await status(loom, `/authors/${id}`), 404, 'without a token: the paused replica, which lacks the row');
    t.equal(await status(loom, `/authors/${id}`, token), 200, 'with the write\'s token: the primary');
    t.match(await readiness(loom), { reads: 'replica', replica: { state: 'ok' } }, 'paused within the allowed lag: still serving');
    await replica.resume();
    await replica.catchUp();
    await loom.reads.monitor!.poll();
    await replica.pause();
    const later = await write('Linus');
    t.equal(await status(loom, `/authors/${id}`, token), 200, 'the replica has replayed the token: it answers');
    t.equal(await status(loom, `/authors/${later.id}`), 404, '... and it is the replica that answered (it lacks the newer row)');
    await replica.resume();
  });

  t.test('statement counts: plain reads on the replica, token reads on the primary', async (t) => {
    const loom = await app(t, 60_000);
    const READS = 40;
    await replica.pause();
    const { id, token } = await write('Barbara');
    const before = await replica.commits();
    for (let i = 0; i < READS; i++) t.equal(await status(loom, '/authors?include=articles'), 200);
    // Each server publishes its backends' counts within about a second of their going idle.
    await until(`the replica counts ${READS} more transactions`, async () => (await replica.commits()).replica >= before.replica + READS);
    const afterPlain = await replica.commits();
    t.ok(afterPlain.primary - before.primary < READS / 2, `the primary ran only the monitor's polls (${afterPlain.primary - before.primary})`);
    for (let i = 0; i < READS; i++) t.equal(await status(loom, `/authors/${id}`, token), 200);
    await until(`the primary counts ${READS} more transactions`, async () => (await replica.commits()).primary >= afterPlain.primary + READS);
    const afterToken = await replica.commits();
    t.equal(afterToken.replica, afterPlain.replica, 'the replica ran none of the token reads');
    await replica.resume();
  });

  t.test('replica down: reads go to the primary, nothing fails, readiness stays 200; back within 10 s', async (t) => {
    const loom = await app(t, 60_000);
    const { id } = await write('Edsger');
    await replica.catchUp();
    let stopped = false;
    const statuses = new Map<number, number>();
    // Concurrent readers all along: before, during and after the stop.
    const readers = Array.from({ length: 4 }, async () => {
      while (!stopped) {
        const code = await status(loom, `/authors/${id}?include=articles`);
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await replica.stop();
    t.teardown(() => replica.start().catch(() => {}));
    for (let i = 0; i < 20; i++) t.equal(await status(loom, `/authors/${id}`), 200, 'read with the replica down');
    t.match(await readiness(loom), { status: 'ok', reads: 'primary', replica: { state: 'unreachable' } });
    t.equal((await loom.inject('/health/ready')).statusCode, 200);
    await replica.start();
    const back = Date.now();
    await until('reads are back on the replica', async () => (await readiness(loom)).reads === 'replica', 15_000);
    t.ok(Date.now() - back <= 10_000, 'back on the replica within 10 s of it answering again');
    t.comment(`reads back on the replica ${Date.now() - back} ms after it answered again`);
    stopped = true;
    await Promise.all(readers);
    t.same([...statuses.keys()], [200], `every read succeeded (${JSON.stringify(Object.fromEntries(statuses))})`);
  });

  t.test('replica lagging beyond READ_REPLICA_MAX_LAG: reads go to the primary until it catches up', async (t) => {
    const loom = await app(t, 500);
    t.equal(loom.reads.monitor!.pollMs, 250, 'polled at half the allowed lag');
    await replica.pause();
    const { id } = await write('Barbara Liskov');
    const written = Date.now();
    await until('the replica is reported lagging', async () => (await readiness(loom)).replica.state === 'lagging', 10_000);
    t.comment(`reads left the paused replica ${Date.now() - written} ms after the first write it did not replay (limit 500 ms)`);
    t.match(await readiness(loom), { status: 'ok', reads: 'primary' });
    t.equal(await status(loom, `/authors/${id}`), 200, 'read on the primary: the new row is there');
    await replica.resume();
    const resumed = Date.now();
    await until('reads are back on the replica', async () => (await readiness(loom)).reads === 'replica', 15_000);
    t.ok(Date.now() - resumed <= 10_000, 'back within 10 s of catching up');
    t.comment(`reads back on the replica ${Date.now() - resumed} ms after replay resumed`);
  });
}
