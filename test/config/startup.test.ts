import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

/**
 * A bad environment must stop an entry point before it does anything: one
 * line on stderr naming the variable, no stack trace, a non-zero exit code.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point (or `-e` source) under tsx with only `env` (plus PATH). */
function run(args: string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const STACK_FRAME = /^\s+at /m;

t.test('loadConfigOrExit: a bad variable exits 1 with one clear line', async (t) => {
  const source = `import { loadConfigOrExit } from './src/config.ts'; loadConfigOrExit(); console.log('started');`;
  const bad = await run(['--input-type=module', '-e', source], { PORT: 'abc', LOG_LEVEL: 'loud' });
  t.equal(bad.code, 1);
  t.equal(bad.stdout, '', 'nothing started');
  t.equal(
    bad.stderr,
    'invalid configuration: PORT must be a whole number from 0 to 65535; LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent\n',
  );
  const good = await run(['--input-type=module', '-e', source], { PORT: '8080' });
  t.equal(good.code, 0);
  t.equal(good.stdout, 'started\n');
});

for (const entry of ['src/server.ts', 'src/cli/migrate.ts', 'src/cli/seed.ts']) {
  t.test(`${entry} with PORT=abc exits non-zero naming PORT, without a stack trace`, async (t) => {
    t.ok(existsSync(join(root, entry)), `${entry} exists`);
    // A DATABASE_URL nobody listens on: the configuration must fail before any connection attempt.
    const result = await run([entry], { PORT: 'abc', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    t.not(result.code, 0, 'non-zero exit');
    t.not(result.code, null, 'exited by itself');
    t.match(result.stderr, /\bPORT must be a whole number\b/);
    t.notMatch(result.stderr, STACK_FRAME, 'no stack trace');
    t.notMatch(result.stderr, /cannot reach/, 'failed before connecting');
  });
}
