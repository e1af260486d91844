import { parseArgs } from 'node:util';
import { issueToken, parseToken, revokeToken } from '../auth/tokens.js';
import { CommandError, errorMessage, runDatabaseCommand } from '../seed/run-database-command.js';

/**
 * `npm run --silent token -- --author <id>` or `-- --admin`: creates an API
 * token and prints it alone on stdout (it is shown this once; only its hash
 * is stored). `-- --revoke <token id or token>` revokes one. Needs DATABASE_URL.
 */
const USAGE = 'usage: DATABASE_URL=postgres://... npm run --silent token -- (--author <id> | --admin | --revoke <token-id>)';
const ID = /^[1-9]\d{0,15}$/;

function positiveId(value: string, what: string): number {
  if (!ID.test(value)) throw new Error(`${what} must be a positive integer; got '${value}'`);
  return Number(value);
}

try {
  const { values } = parseArgs({
    options: {
      author: { type: 'string' },
      admin: { type: 'boolean' },
      revoke: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const chosen = [values.author !== undefined, values.admin === true, values.revoke !== undefined].filter(Boolean).length;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
  } else if (chosen !== 1) {
    throw new Error('give exactly one of --author <id>, --admin, --revoke <token-id>');
  } else if (values.revoke !== undefined) {
    // The id, or a whole token (its id is part of it).
    const id = parseToken(values.revoke)?.id ?? positiveId(values.revoke, '--revoke');
    await runDatabaseCommand('token', async (db) => {
      if (!(await revokeToken(db, id))) throw new CommandError(`no active token with id ${id}`);
      process.stderr.write(`token ${id} revoked; it stops working within 10 seconds\n`);
    });
  } else {
    const authorId = values.author === undefined ? null : positiveId(values.author, '--author');
    await runDatabaseCommand('token', async (db) => {
      if (authorId !== null && !(await db.selectFrom('authors').select('id').where('id', '=', authorId).executeTakeFirst())) {
        throw new CommandError(`no author with id ${authorId}`);
      }
      const { id, token } = await issueToken(db, authorId);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token ${id} for ${authorId === null ? 'an admin' : `author ${authorId}`} (revoke: npm run token -- --revoke ${id})\n`);
    });
  }
} catch (error) {
  // Only argument errors reach here: runDatabaseCommand reports its own.
  process.stderr.write(`token: ${errorMessage(error)}\n${USAGE}\n`);
  process.exitCode = 2;
}
