/**
 * The pg client that sends a read snapshot's BEGIN with its first query
 * (src/db/pipelining-client.ts), and the snapshot the app builds on it.
 * PostgreSQL only: PGlite reads without a transaction.
 */
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { deferredTransaction, PipeliningClient } from '../../src/db/pipelining-client.js';
import { openPostgres } from '../helpers/databases.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.pass('skipped: TEST_DATABASE_URL is not set (the pipelining client is PostgreSQL-only)');
} else {
  const transaction = deferredTransaction(['begin isolation level repeatable read read only', 'set local statement_timeout = 1234']);

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
      const second = await client.query("select current_setting('transaction_isolation') as isolation");
      t.equal(second.rows[0].isolation, 'repeatable read', 'later queries run in the same transaction');
      await client.query(transaction.commit);
      t.equal(status(), 'I');
      t.equal((await client.query('show statement_timeout')).rows[0].statement_timeout, '0', 'SET LOCAL ended with the transaction');
    });

    await t.test('a transaction that ran nothing sends nothing, not even its end', async (t) => {
      await client.query(transaction.begin);
      await client.query(transaction.commit);
      await client.query(transaction.begin);
      await client.query(transaction.rollback);
      t.equal(status(), 'I');
      await client.query('select 1');
      t.same(notices, [], "no 'there is no transaction in progress' warning: no COMMIT or ROLLBACK reached the server");
    });

    await t.test('an error in the first query leaves a failed transaction that the rollback ends', async (t) => {
      await client.query(transaction.begin);
      await t.rejects(client.query('select 1 / $1::int as x', [0]), { message: /division by zero/ });
      t.equal(status(), 'E');
      await client.query(transaction.rollback);
      t.equal(status(), 'I');
      t.same((await client.query('select 2 as x')).rows, [{ x: 2 }], 'the client is usable again');
    });

    await t.test('without a marker, statements run as they come', async (t) => {
      await client.query('begin');
      t.equal(status(), 'T');
      await client.query(transaction.commit);
      t.equal(status(), 'I', 'a marked COMMIT with nothing held back is sent as is');
    });
  });

  t.test('a client goes back to the pool without held-back statements', async (t) => {
    const pool = new pg.Pool({ connectionString: adminUrl, max: 1, Client: PipeliningClient });
    pool.on('release', (_error, client) => (client as unknown as PipeliningClient).clearDeferred());
    t.teardown(() => pool.end());
    const first = await pool.connect();
    await first.query(transaction.begin);
    first.release();
    const second = await pool.connect();
    t.equal(second, first, 'the same client (pool of one)');
    await second.query('select 1');
    t.equal((second as unknown as PipeliningClient).getTransactionStatus(), 'I', 'its next user is not inside the old transaction');
    second.release();
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
