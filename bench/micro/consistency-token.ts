/**
 * What a consistency token (API.md §9) costs.
 *
 *   node --import tsx bench/micro/consistency-token.ts [--runs 2000]
 *
 * Write side: the token is one extra statement after the COMMIT
 * (`select pg_current_wal_insert_lsn()`), timed on a pooled connection of the
 * local PostgreSQL against `select 1` (one bare round trip) and against a
 * whole `POST /tags` through the app (which includes it), interleaved so
 * machine noise hits all three alike. Read side: no query at all (the replica's
 * replay position is polled in the background); what is left per request is
 * parsing the header and comparing two bigints, timed here too.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { walInsertPosition } from '../../src/db/lsn.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { parseConsistencyToken } from '../../src/plugins/consistency.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' } } });
const RUNS = Number(values.runs);
const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `loom_bench_token_${process.pid}`;

const admin = async (statement: string) => {
  const client = new pg.Client({ connectionString: ADMIN });
  await client.connect();
  await client.query(statement);
  await client.end();
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (work: () => Promise<unknown>) => {
  const start = performance.now();
  await work();
  return (performance.now() - start) * 1000;
};

await admin(`create database ${NAME}`);
const url = new URL(ADMIN);
url.pathname = `/${NAME}`;
const database = await createDatabase({ url: url.toString(), poolMax: 2 });
try {
  await migrateToLatest(database.db);
  const app = await buildApp({ database });
  const { token } = await issueToken(database.db, null);
  const headers = { authorization: `Bearer ${token}` };
  const post = async (i: number) => {
    const response = await app.inject({ method: 'POST', url: '/tags', headers, payload: { data: { name: `tag ${i}`, active: true } } });
    if (response.statusCode !== 201 || !response.headers['loom-consistency']) throw new Error(`POST /tags: ${response.statusCode} ${response.body}`);
  };
  const samples = { roundTrip: [] as number[], token: [] as number[], write: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    samples.roundTrip.push(await time(() => sql`select 1`.execute(database.db)));
    samples.token.push(await time(() => walInsertPosition(database.db)));
    samples.write.push(await time(() => post(i)));
  }
  const header = '1A/2B3C4D5E';
  const replayed = 0x1a2b3c4d60n;
  const parseStart = performance.now();
  let served = 0;
  for (let i = 0; i < 1_000_000; i++) if (parseConsistencyToken(header)! <= replayed) served++;
  const readNs = ((performance.now() - parseStart) * 1e6) / 1_000_000;
  const result = {
    runs: RUNS,
    medianMicroseconds: {
      bareRoundTrip: Math.round(median(samples.roundTrip)),
      tokenStatement: Math.round(median(samples.token)),
      wholeWriteRequest: Math.round(median(samples.write)),
    },
    tokenShareOfWrite: `${((median(samples.token) / median(samples.write)) * 100).toFixed(1)} %`,
    readSideNanosecondsPerRequest: Math.round(readNs),
    servedCheck: served === 1_000_000,
    loadAverage: loadavg().map((x) => x.toFixed(2)).join(', '),
  };
  console.log(JSON.stringify(result, null, 2));
  await app.close();
} finally {
  await database.close();
  await admin(`drop database if exists ${NAME} with (force)`);
}
