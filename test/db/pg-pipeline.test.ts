/**
 * The module that touches pg's internals (src/db/pg-pipeline.ts), run on a
 * plain pg.Client: if a pg release changes what it relies on (subclassing
 * Query, prepare(connection), an array of results for several statements,
 * utils.prepareValue, the client's type parsers on every result,
 * PortalSuspended after Execute's row limit, the connection's
 * attachListeners), one of these fails. PostgreSQL only.
 */
import pg from 'pg';
import t from 'tap';
import { cutShort, pipeline, readInTurns } from '../../src/db/pg-pipeline.js';
import { countSocketWrites } from '../helpers/socket-writes.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.pass('skipped: TEST_DATABASE_URL is not set (pipelining is PostgreSQL-only)');
} else {
  t.test('a pipeline on a plain pg client', async (t) => {
    const INT8_OID = 20;
    const client = new pg.Client({
      connectionString: adminUrl,
      types: { getTypeParser: ((oid: number, format?: string) => (oid === INT8_OID ? (v: string) => `int8:${v}` : pg.types.getTypeParser(oid, format as any))) as any },
    });
    await client.connect();
    t.teardown(() => client.end());
    const writes = countSocketWrites(client);

    await t.test('each statement gets its own rows, values bound as pg binds them, in one write', async (t) => {
      writes.reset();
      const when = new Date('2025-03-01T12:34:56.789Z');
      const results = await pipeline(client, [], [
        { text: 'select $1::timestamptz as at', values: [when] },
        { text: 'select array_length($1::bigint[], 1) as n, $2::text as s', values: [[1, 2, 3], 'x'] },
        { text: 'select generate_series(1, 3)::bigint as i', values: undefined },
      ]);
      t.equal(writes.count(), 1, 'one write for the whole pipeline');
      t.same(results[0].rows, [{ at: when }], 'a Date is bound and parsed back');
      t.same(results[1].rows, [{ n: 3, s: 'x' }], 'an array is bound as a PostgreSQL array');
      t.same(results[2].rows, [{ i: 'int8:1' }, { i: 'int8:2' }, { i: 'int8:3' }], "the client's type parsers apply to the last result");
      t.same(results.map((r) => r.command), ['SELECT', 'SELECT', 'SELECT']);
    });

    await t.test("the client's type parsers apply to every statement, not only the last", async (t) => {
      const [first] = await pipeline(client, [], [
        { text: 'select 7::bigint as big', values: undefined },
        { text: 'select 1 as one', values: undefined },
      ]);
      t.same(first.rows, [{ big: 'int8:7' }]);
    });

    await t.test('prelude statements run first, their results are left out', async (t) => {
      const results = await pipeline(client, ['begin isolation level serializable', "set local application_name = 'prelude'"], [
        { text: "select current_setting('transaction_isolation') as isolation, current_setting('application_name') as name", values: undefined },
      ]);
      t.same(results.length, 1);
      t.same(results[0].rows, [{ isolation: 'serializable', name: 'prelude' }]);
      t.equal((client as unknown as { getTransactionStatus(): string }).getTransactionStatus(), 'T', 'the BEGIN outlives the Sync');
      await client.query('rollback');
    });

    await t.test('an error fails the whole pipeline and the client goes on', async (t) => {
      await t.rejects(
        pipeline(client, [], [
          { text: 'select 1 / $1::int as x', values: [0] },
          { text: 'select 2 as y', values: undefined },
        ]),
        { message: /division by zero/ },
      );
      t.same((await client.query('select 3 as z')).rows, [{ z: 3 }]);
    });

    await t.test('a write and the read after it: in order, with its command tag and row count', async (t) => {
      const results = await pipeline(client, [], [
        { text: 'create temporary table pipeline_probe (id int)', values: undefined },
        { text: 'insert into pipeline_probe values (1), (2)', values: undefined },
        { text: 'select count(*)::int as n from pipeline_probe', values: undefined },
      ]);
      t.same(results.map((r) => r.command), ['CREATE', 'INSERT', 'SELECT']);
      t.equal(results[1].rowCount, 2);
      t.same(results[2].rows, [{ n: 2 }]);
    });

    await t.test('maxRows: the server stops there, the result closes with the rows so far, the next statement gets its own', async (t) => {
      const series = 'select generate_series(1, $1::int) as i';
      for (const [label, prelude] of [['implicit transaction', []], ['inside BEGIN', ['begin']]] as const) {
        const before = { ...cutShort };
        const results = await pipeline(client, prelude, [
          { text: series, values: [10], maxRows: 3, name: 'pipeline_probe_series' },
          { text: 'select 5 as five', values: undefined, maxRows: 3 },
          { text: series, values: [2], maxRows: 3 },
          { text: series, values: [10], maxRows: 4 },
        ]);
        t.same(results.map((r) => r.rows.map((row) => Object.values(row)[0])), [[1, 2, 3], [5], [1, 2], [1, 2, 3, 4]], `${label}: cut at maxRows, or all when fewer`);
        t.same(results.map((r) => [r.command, r.rowCount]), [['SELECT', 3], ['SELECT', 1], ['SELECT', 2], ['SELECT', 4]]);
        t.same({ statements: cutShort.statements - before.statements, rows: cutShort.rows - before.rows }, { statements: 2, rows: 7 }, 'the two cut short are tallied');
        if (prelude.length) await client.query('rollback');
      }
      t.same((await client.query('select 3 as z')).rows, [{ z: 3 }], 'the client goes on');
    });

    await t.test('readInTurns: after a full 64 KiB read the loop turns before the next read', async (t) => {
      const reader = new pg.Client({ connectionString: adminUrl });
      readInTurns(reader);
      await reader.connect();
      t.teardown(() => reader.end());
      const stream = (reader as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream;
      // 'r' a full read, 't' a turn of the loop (a setImmediate chain) between reads.
      const events: string[] = [];
      const onData = (chunk: Buffer) => events.push(chunk.length >= 64 * 1024 ? 'r' : '-');
      stream.on('data', onData);
      let turning = true;
      const turn = () => {
        if (events.at(-1) !== 't') events.push('t');
        if (turning) setImmediate(turn);
      };
      turn();
      const { rows } = await reader.query("select i, repeat('x', 200) as pad from generate_series(1, 40000) as i");
      turning = false;
      stream.off('data', onData);
      t.equal(rows.length, 40000, 'every row arrives');
      t.same(rows[39999], { i: 40000, pad: 'x'.repeat(200) });
      const reads = events.filter((e) => e === 'r').length;
      t.ok(reads >= 10, `${reads} full reads (about 9 MB)`);
      t.notOk(events.join('').includes('rr'), 'never two full reads in one turn');
    });
  });
}
