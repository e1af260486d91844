/**
 * The pg client that sends a transaction's opening statements with its first
 * query, holds a read-only COMMIT back, and sends statements together
 * (src/db/pipelining-client.ts). PostgreSQL only: PGlite has no pipelining.
 */
import pg from 'pg';
import t from 'tap';
import { COMMIT_DELAY_MS, PipeliningClient } from '../../src/db/pipelining-client.js';
import { countSocketWrites } from '../helpers/socket-writes.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.pass('skipped: TEST_DATABASE_URL is not set (the pipelining client is PostgreSQL-only)');
} else {
  const opening = ['begin isolation level repeatable read read only', 'set local statement_timeout = 1234'];

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
      client.beginDeferred(opening);
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
      client.commitDeferred();
      t.equal(status(), 'T', 'held back: the transaction is still open');
      const { rows } = await client.query(settings);
      t.same(rows, [{ isolation: 'read committed', timeout: '0' }], 'the next query runs after the COMMIT, outside the transaction');
      t.equal(status(), 'I');
    });

    await t.test('a COMMIT held back when the next snapshot begins: one pipeline ends one and opens the other', async (t) => {
      client.beginDeferred(opening);
      await client.query('select 1');
      client.commitDeferred();
      client.beginDeferred(opening);
      const { rows } = await client.query("select current_setting('statement_timeout') as timeout, txid_current_if_assigned() as xid");
      t.same(rows, [{ timeout: '1234ms', xid: null }], 'inside the new transaction');
      client.commitDeferred();
    });

    await t.test('a query with a callback gets the held-back statements sent first', async (t) => {
      const rows = await new Promise<unknown[]>((resolve, reject) =>
        client.query(settings, [], (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result.rows))),
      );
      t.same(rows, [{ isolation: 'read committed', timeout: '0' }]);
    });

    await t.test('a transaction that ran nothing sends nothing, not even its end', async (t) => {
      client.beginDeferred(opening);
      client.commitDeferred();
      client.beginDeferred(opening);
      await client.finish('rollback');
      t.equal(status(), 'I');
      await client.query('select 1');
      t.equal(status(), 'I');
      t.same(notices, [], "no 'there is no transaction in progress' warning: no COMMIT or ROLLBACK reached the server");
    });

    await t.test('an error in the first query leaves a failed transaction that the rollback ends at once', async (t) => {
      client.beginDeferred(opening);
      await t.rejects(client.query('select 1 / $1::int as x', [0]), { message: /division by zero/ });
      // pg rejects on the ErrorResponse; the status comes with the ReadyForQuery after it,
      // which may arrive in a later chunk.
      for (let waited = 0; status() !== 'E' && waited < 2000; waited += 5) await sleep(5);
      t.equal(status(), 'E');
      await client.finish('rollback');
      t.equal(status(), 'I');
      t.same((await client.query('select 2 as x')).rows, [{ x: 2 }], 'the client is usable again');
    });
  });

  t.test('statements sent together', async (t) => {
    const client = new PipeliningClient({ connectionString: adminUrl });
    await client.connect();
    t.teardown(() => client.end());
    const socket = countSocketWrites(client);
    const counted = async <T>(fn: () => Promise<T>) => {
      socket.reset();
      const result = await fn();
      return { result, writes: socket.count() };
    };

    await t.test('share one write and each gets its own rows', async (t) => {
      const { result, writes } = await counted(() =>
        client.together([
          { text: 'select $1::int as a', values: [1] },
          { text: 'select generate_series(1, $1::int) as b', values: [3] },
          { text: 'select $1::text as c where false', values: ['x'] },
        ]),
      );
      t.same(result.map((r) => r.rows), [[{ a: 1 }], [{ b: 1 }, { b: 2 }, { b: 3 }], []]);
      t.equal(writes, 1);
    });

    await t.test('with a snapshot opening and a held-back COMMIT in front, still one write', async (t) => {
      client.beginDeferred(opening);
      await client.query('select 1');
      client.commitDeferred();
      client.beginDeferred(opening);
      const { result, writes } = await counted(() =>
        client.together([
          { text: settings, values: undefined },
          { text: "select current_setting('transaction_read_only') as read_only", values: undefined },
        ]),
      );
      t.same(result.map((r) => r.rows[0]), [{ isolation: 'repeatable read', timeout: '1234ms' }, { read_only: 'on' }]);
      t.equal(writes, 1);
      client.commitDeferred();
      await client.query('select 1');
    });

    await t.test('run in order: a write is seen by the read after it', async (t) => {
      const [, shown] = await client.together([
        { text: "select set_config('application_name', 'set-in-the-pipeline', false)", values: undefined },
        { text: 'show application_name', values: undefined },
      ]);
      t.same(shown.rows, [{ application_name: 'set-in-the-pipeline' }]);
    });

    await t.test('a failing read fails the reads that shared its round trip; the client goes on', async (t) => {
      await t.rejects(
        client.together([
          { text: 'select 1 / $1::int as x', values: [0] },
          { text: 'select 2 as y', values: undefined },
        ]),
        { message: /division by zero/ },
      );
      t.same((await client.query('select 3 as z')).rows, [{ z: 3 }]);
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
      const first = (await pool.connect()) as pg.PoolClient & PipeliningClient;
      first.beginDeferred(opening);
      first.release();
      const second = await pool.connect();
      t.equal(second, first, 'the same client (pool of one)');
      await second.query('select 1');
      t.equal((second as unknown as PipeliningClient).getTransactionStatus(), 'I', 'its next user is not inside the old transaction');
      second.release();
    });

    await t.test('an idle connection commits after COMMIT_DELAY_MS', async (t) => {
      const client = (await pool.connect()) as pg.PoolClient & PipeliningClient;
      const pid = (client as unknown as { processID: number }).processID;
      client.beginDeferred(opening);
      await client.query('select 1');
      client.commitDeferred();
      client.release();
      t.equal((client as unknown as PipeliningClient).getTransactionStatus(), 'T', 'released with the COMMIT held back');
      await sleep(COMMIT_DELAY_MS * 3);
      t.equal((client as unknown as PipeliningClient).getTransactionStatus(), 'I', 'committed while idle');
      t.equal(await backendState(pid), 'idle', 'the server agrees: not idle in transaction');
    });
  });
}
