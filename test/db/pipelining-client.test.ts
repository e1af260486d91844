/**
 * The pg client that sends a read snapshot's BEGIN with its first query
 * (src/db/pipelining-client.ts), and the snapshot the app builds on it.
 * PostgreSQL only: PGlite reads without a transaction.
 */
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { COMMIT_DELAY_MS, deferredTransaction, PipeliningClient } from '../../src/db/pipelining-client.js';
import { openPostgres } from '../helpers/databases.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.pass('skipped: TEST_DATABASE_URL is not set (the pipelining client is PostgreSQL-only)');
} else {
  const transaction = deferredTransaction(['begin isolation level repeatable read read only', 'set local statement_timeout = 1234']);

  const settings = "select current_setting('transaction_isolation') as isolation, current_setting('statement_timeout') as timeout";
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  t.test('a client on its own', async (t) => {
    const client = new PipeliningClient({ connectionString: adminUrl });
    await client.connect();
    t.teardown(() => client.end());
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    const status = () => client.getTransactionStatus();

    await t.test('the opening statements wait for the first query and run before it', async (t) => {
      await client.query(transaction.begin);
      t.equal(status(), 'I', 'nothing was sent yet');
      const { rows } = await client.query(
        "select current_setting('transaction_isolation') as isolation, current_setting('transaction_read_only') as read_only, current_setting('statement_timeout') as timeout, $1::int as echo",
        [7],
      );
      t.same(rows, [{ isolation: 'repeatable read', read_only: 'on', timeout: '1234ms', echo: 7 }]);
      t.equal(status(), 'T', 'the transaction is open after the pipeline');
      const second = await client.query(settings);
      t.equal(second.rows[0].isolation, 'repeatable read', 'later queries run in the same transaction');
    });

    await t.test('the COMMIT waits for the next query and runs before it', async (t) => {
      await client.query(transaction.commit);
      t.equal(status(), 'T', 'held back: the transaction is still open');
      const { rows } = await client.query(settings);
      t.same(rows, [{ isolation: 'read committed', timeout: '0' }], 'the next query runs after the COMMIT, outside the transaction');
      t.equal(status(), 'I');
    });

    await t.test('a COMMIT held back when the next snapshot begins: one pipeline ends one and opens the other', async (t) => {
      await client.query(transaction.begin);
      await client.query('select 1');
      await client.query(transaction.commit);
      await client.query(transaction.begin);
      const { rows } = await client.query("select current_setting('statement_timeout') as timeout, txid_current_if_assigned() as xid");
      t.same(rows, [{ timeout: '1234ms', xid: null }], 'inside the new transaction');
      await client.query(transaction.commit);
    });

    await t.test('a query with a callback gets the held-back statements sent first', async (t) => {
      const rows = await new Promise<unknown[]>((resolve, reject) =>
        client.query(settings, [], (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result.rows))),
      );
      t.same(rows, [{ isolation: 'read committed', timeout: '0' }]);
    });

    await t.test('a transaction that ran nothing sends nothing, not even its end', async (t) => {
      await client.query(transaction.begin);
      await client.query(transaction.commit);
      await client.query(transaction.begin);
      await client.query(transaction.rollback);
      t.equal(status(), 'I');
      await client.query('select 1');
      t.equal(status(), 'I');
      t.same(notices, [], "no 'there is no transaction in progress' warning: no COMMIT or ROLLBACK reached the server");
    });

    await t.test('an error in the first query leaves a failed transaction that the rollback ends at once', async (t) => {
      await client.query(transaction.begin);
      await t.rejects(client.query('select 1 / $1::int as x', [0]), { message: /division by zero/ });
      // pg rejects on the ErrorResponse; the status comes with the ReadyForQuery after it,
      // which may arrive in a later chunk.
      for (let waited = 0; status() !== 'E' && waited < 2000; waited += 5) await sleep(5);
      t.equal(status(), 'E');
      await client.query(transaction.rollback);
      t.equal(status(), 'I');
      t.same((await client.query('select 2 as x')).rows, [{ x: 2 }], 'the client is usable again');
    });
  });

  t.test('queries asked for in one tick', async (t) => {
    const client = new PipeliningClient({ connectionString: adminUrl });
    await client.connect();
    t.teardown(() => client.end());
    // Each flush of the socket is one call of _write or _writev (pg corks a statement's messages).
    const socket = (client as unknown as { connection: { stream: Record<string, (...args: unknown[]) => unknown> } }).connection.stream;
    let writes = 0;
    for (const method of ['_write', '_writev']) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        return original(...args);
      };
    }
    const counted = async <T>(fn: () => Promise<T>) => {
      writes = 0;
      const result = await fn();
      return { result, writes };
    };

    await t.test('reads share one write and each gets its own rows', async (t) => {
      const { result, writes } = await counted(() =>
        Promise.all([
          client.query('select $1::int as a', [1]),
          client.query('select generate_series(1, $1::int) as b', [3]),
          client.query('select $1::text as c where false', ['x']),
        ]),
      );
      t.same(result.map((r) => r.rows), [[{ a: 1 }], [{ b: 1 }, { b: 2 }, { b: 3 }], []]);
      t.equal(writes, 1);
    });

    await t.test('with a snapshot opening and a held-back COMMIT in front, still one write', async (t) => {
      await client.query(transaction.begin);
      await client.query('select 1');
      await client.query(transaction.commit);
      await client.query(transaction.begin);
      const { result, writes } = await counted(() =>
        Promise.all([client.query(settings), client.query("select current_setting('transaction_read_only') as read_only")]),
      );
      t.same(result.map((r) => r.rows[0]), [{ isolation: 'repeatable read', timeout: '1234ms' }, { read_only: 'on' }]);
      t.equal(writes, 1);
      await client.query(transaction.commit);
      await client.query('select 1');
    });

    await t.test('anything but reads goes on its own, in order', async (t) => {
      const { result, writes } = await counted(() =>
        Promise.all([client.query('select 1 as a'), client.query("set application_name = 'pipelining-test'"), client.query('show application_name')]),
      );
      t.same(result[2].rows, [{ application_name: 'pipelining-test' }], 'the SET ran before the SHOW after it');
      t.equal(writes, 3);
    });

    await t.test('a failing read fails the reads that shared its round trip; the client goes on', async (t) => {
      const results = await Promise.allSettled([client.query('select 1 / $1::int as x', [0]), client.query('select 2 as y')]);
      t.same(results.map((r) => r.status), ['rejected', 'rejected']);
      t.match((results[1] as PromiseRejectedResult).reason, { message: /division by zero/ });
      t.same((await client.query('select 3 as z')).rows, [{ z: 3 }]);
    });

    await t.test('a query with a callback does not overtake the reads asked for before it', async (t) => {
      const [, shown] = await Promise.all([
        client.query("select set_config('application_name', 'set-by-the-read', false)"),
        new Promise<pg.QueryResult>((resolve, reject) =>
          client.query('show application_name', [], (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result))),
        ),
      ]);
      t.same(shown.rows, [{ application_name: 'set-by-the-read' }], 'the server ran the read first');
    });
  });

  t.test('through a pool', async (t) => {
    const pool = new pg.Pool({ connectionString: adminUrl, max: 1, Client: PipeliningClient });
    pool.on('release', (_error, client) => (client as unknown as PipeliningClient).released());
    t.teardown(() => pool.end());
    const backendState = async (pid: number) => {
      const observer = new pg.Client({ connectionString: adminUrl });
      await observer.connect();
      const { rows: [row] } = await observer.query('select state from pg_stat_activity where pid = $1', [pid]);
      await observer.end();
      return row.state as string;
    };

    await t.test('opening statements no query followed are not left for the next user', async (t) => {
      const first = await pool.connect();
      await first.query(transaction.begin);
      first.release();
      const second = await pool.connect();
      t.equal(second, first, 'the same client (pool of one)');
      await second.query('select 1');
      t.equal((second as unknown as PipeliningClient).getTransactionStatus(), 'I', 'its next user is not inside the old transaction');
      second.release();
    });

    await t.test('an idle connection commits after COMMIT_DELAY_MS', async (t) => {
      const client = await pool.connect();
      const pid = (client as unknown as { processID: number }).processID;
      await client.query(transaction.begin);
      await client.query('select 1');
      await client.query(transaction.commit);
      client.release();
      t.equal((client as unknown as PipeliningClient).getTransactionStatus(), 'T', 'released with the COMMIT held back');
      await sleep(COMMIT_DELAY_MS * 3);
      t.equal((client as unknown as PipeliningClient).getTransactionStatus(), 'I', 'committed while idle');
      t.equal(await backendState(pid), 'idle', 'the server agrees: not idle in transaction');
    });
  });

  t.test('a request reads one snapshot while others commit', async (t) => {
    const database = await openPostgres(adminUrl);
    t.teardown(() => database.close());
    const app = await buildApp({ database });
    t.teardown(() => app.close());
    const writer = new pg.Client({ connectionString: database.url });
    await writer.connect();
    t.teardown(() => writer.end());
    const count = async (db: typeof database.db) => Number((await sql<{ n: number }>`select count(*) as n from tags`.execute(db)).rows[0].n);

    const [before, after] = await app.readSnapshot(async (db) => {
      const first = await count(db);
      await writer.query("insert into tags (name, active) values ('committed-meanwhile', true)");
      return [first, await count(db)];
    });
    t.equal(after, before, 'the second query does not see a row committed after the first');
    t.equal(await count(database.db), before + 1, 'outside the snapshot the row is there');
  });
}
