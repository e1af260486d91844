/**
 * Named prepared statements (src/db/prepared-statements.ts) on the pipelining
 * client: a SELECT is parsed once per connection under a name derived from its
 * text, alone or inside a pipeline; a failed pipeline leaves no name the
 * client believes parsed when it is not, or the reverse (running the same
 * statements again works); a client with naming off prepares nothing. PostgreSQL only.
 */
import t from 'tap';
import { PipeliningClient } from '../../src/db/pipelining-client.js';
import { statementName } from '../../src/db/prepared-statements.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.pass('skipped: TEST_DATABASE_URL is not set (prepared statements are PostgreSQL-only)');
} else {
  t.test('named prepared statements', async (t) => {
    const client = new PipeliningClient({ connectionString: adminUrl, loomPreparedStatements: true });
    const unnamed = new PipeliningClient({ connectionString: adminUrl, loomPreparedStatements: false });
    await client.connect();
    await unnamed.connect();
    t.teardown(async () => {
      await client.end();
      await unnamed.end();
    });
    const namesOn = async (on: PipeliningClient) =>
      (await on.query("select name from pg_prepared_statements where name like 'loom\\_%' order by name")).rows.map((r: { name: string }) => r.name);
    const prepared = () => namesOn(client);
    const SQUARE = 'select $1::int * $1::int as n';
    const HALF = 'select 100 / $1::int as n';

    await t.test('off: nothing is prepared', async (t) => {
      t.same((await unnamed.together([{ text: SQUARE, values: [3] }]))[0].rows, [{ n: 9 }]);
      t.same((await unnamed.together([{ text: SQUARE, values: [3] }, { text: HALF, values: [4] }])).map((r) => r.rows[0].n), [9, 25]);
      t.same(await namesOn(unnamed), []);
    });

    await t.test('on: parsed once, then bound and executed', async (t) => {
      const name = statementName(SQUARE)!;
      t.match(name, /^loom_[0-9a-f]{24}$/);
      t.equal(statementName('insert into x values (1)'), undefined, 'only SELECTs');
      for (const n of [2, 5]) t.same((await client.together([{ text: SQUARE, values: [n] }]))[0].rows, [{ n: n * n }]);
      t.same(await prepared(), [name]);
      const results = await client.together([{ text: SQUARE, values: [4] }, { text: HALF, values: [4] }]);
      t.same(results.map((r) => r.rows[0].n), [16, 25], 'in a pipeline too');
      t.same(await prepared(), [name, statementName(HALF)].sort());
    });

    await t.test('a failed pipeline leaves the names consistent', async (t) => {
      const THIRD = 'select 300 / $1::int as n';
      const LAST = 'select $1::int + 1 as n';
      await t.rejects(client.together([{ text: HALF, values: [0] }, { text: THIRD, values: [3] }, { text: LAST, values: [1] }]), /division by zero/);
      const again = await client.together([{ text: HALF, values: [5] }, { text: THIRD, values: [3] }, { text: LAST, values: [1] }]);
      t.same(again.map((r) => r.rows[0].n), [20, 100, 2], 'the same statements run afterwards');
      await t.rejects(client.together([{ text: THIRD, values: [0] }]), /division by zero/);
      t.same((await client.together([{ text: THIRD, values: [30] }]))[0].rows, [{ n: 10 }], 'and alone');
      t.same(await prepared(), [statementName(HALF), statementName(LAST), statementName(SQUARE), statementName(THIRD)].sort());
    });
  });
}
