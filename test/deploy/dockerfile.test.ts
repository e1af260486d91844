import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

/**
 * No Docker engine runs in CI, so the image is checked statically: a small
 * Dockerfile parser and the invariants a production image must keep. The
 * build and start steps themselves are replayed by scripts/image-smoke.sh.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Instruction {
  keyword: string;
  /** `--name=value` flags before the arguments (COPY --from, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** The arguments after the flags, as written. */
  args: string;
}

interface Stage {
  /** The base image with build ARGs substituted. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Joins `\`-continued lines and drops comments and blank lines. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    pending += `${line.replace(/\\$/, '').trimEnd()} `;
    if (!line.endsWith('\\')) {
      lines.push(pending.trim());
      pending = '';
    }
  }
  if (pending) lines.push(pending.trim());
  return lines;
}

function parseInstruction(line: string): Instruction {
  const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
  const flags: Record<string, string> = {};
  let args = rest;
  for (let flag = /^--([\w-]+)=(\S+)\s*/.exec(args); flag; flag = /^--([\w-]+)=(\S+)\s*/.exec(args)) {
    flags[flag[1]] = flag[2];
    args = args.slice(flag[0].length);
  }
  return { keyword: keyword.toUpperCase(), flags, args };
}

/** Splits a Dockerfile into stages, substituting the global ARGs declared before the first FROM. */
function parseDockerfile(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of logicalLines(text).map(parseInstruction)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = instruction.args.split('=');
      globalArgs[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${instruction.keyword} before the first FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** An exec-form (JSON array) argument list; shell form is not accepted where signals matter. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);
const runs = (stage: Stage) => all(stage, 'RUN').map((i) => i.args);

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const build = stages.find((stage) => stage.name === 'build');

t.test('the parser understands continuations, comments, flags and stages', async (t) => {
  const parsed = parseDockerfile(
    'ARG BASE=node:20-slim\n# comment\nFROM ${BASE} AS one\nRUN a \\\n  && b\nFROM $BASE\nCOPY --from=one --chown=node /x /y\n',
  );
  t.same(
    parsed.map((s) => [s.from, s.name]),
    [
      ['node:20-slim', 'one'],
      ['node:20-slim', undefined],
    ],
  );
  t.same(parsed[0].instructions, [{ keyword: 'RUN', flags: {}, args: 'a && b' }]);
  t.same(parsed[1].instructions, [{ keyword: 'COPY', flags: { from: 'one', chown: 'node' }, args: '/x /y' }]);
  t.throws(() => parseDockerfile('RUN x\nFROM node'), /RUN before the first FROM/);
});

t.test('multi-stage, every stage on slim Node 20', async (t) => {
  t.ok(stages.length >= 2, 'at least a build and a runtime stage');
  for (const stage of stages) t.equal(stage.from, 'node:20-slim', `stage ${stage.name ?? '(final)'}`);
  t.ok(build, 'a stage named "build"');
  t.not(runtime, build, 'the image is not the build stage');
});

t.test('the build stage installs from the lockfile and compiles what tsconfig.build.json includes', async (t) => {
  const commands = runs(build!);
  t.ok(commands.some((c) => /\bnpm ci\b/.test(c) && !c.includes('--omit=dev')), 'npm ci with dev dependencies');
  t.ok(commands.some((c) => c.includes('npm run build')), 'npm run build');
  const copied = all(build!, 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    t.ok(copied.includes(file), `copies ${file}`);
  }
  const include: string[] = JSON.parse(read('tsconfig.build.json')).include;
  for (const folder of new Set(include.map((glob) => glob.split('/')[0]))) {
    t.ok(copied.includes(folder), `copies ${folder}/ (compiled by tsconfig.build.json)`);
  }
});

t.test('the runtime stage has production dependencies and dist/ only', async (t) => {
  const commands = runs(runtime);
  t.ok(commands.some((c) => /\bnpm ci\b.*--omit=dev/.test(c)), 'npm ci --omit=dev');
  t.notOk(commands.some((c) => c.includes('npm run build')), 'nothing is compiled at runtime');
  const fromBuild = all(runtime, 'COPY').filter((i) => i.flags.from === 'build');
  t.same(
    fromBuild.map((i) => i.args),
    ['/app/dist ./dist'],
    'only dist/ comes from the build stage (its node_modules hold dev dependencies)',
  );
});

t.test('the runtime stage runs as a non-root user and listens on all interfaces', async (t) => {
  const user = last(runtime, 'USER');
  t.ok(user, 'a USER instruction');
  t.notMatch(user!.args, /^(root|0)(:|$)/, 'not root');
  const lastRun = runtime.instructions.lastIndexOf(last(runtime, 'RUN')!);
  t.ok(runtime.instructions.indexOf(user!) > lastRun, 'USER comes after the last RUN');
  t.ok(all(runtime, 'EXPOSE').some((i) => i.args.split(/\s+/).includes('3000')), 'EXPOSE 3000');
  const env = all(runtime, 'ENV').map((i) => i.args).join(' ');
  // The server's default host is 127.0.0.1, unreachable from outside a container.
  t.match(env, /\bHOST=0\.0\.0\.0\b/);
  t.match(env, /\bPORT=3000\b/);
  t.match(env, /\bNODE_ENV=production\b/);
});

t.test('PID 1 is tini, which forwards SIGTERM to node', async (t) => {
  t.ok(runs(runtime).some((c) => /apt-get install .*\btini\b/.test(c)), 'tini installed from Debian');
  t.same(execForm(last(runtime, 'ENTRYPOINT')!.args), ['/usr/bin/tini', '--']);
});

t.test('CMD runs the compiled server with node, not npm or tsx', async (t) => {
  const cmd = execForm(last(runtime, 'CMD')!.args);
  t.same(cmd, ['node', 'dist/src/server.js']);
  t.ok(existsSync(join(root, 'src', 'server.ts')), 'its source src/server.ts exists');
});

/** The HEALTHCHECK's command line. */
function healthcheckArgv(): string[] {
  const [, command] = /^CMD\s+(.*)$/.exec(last(runtime, 'HEALTHCHECK')!.args)!;
  return execForm(command);
}

t.test('HEALTHCHECK probes /health/ready with node, without curl', async (t) => {
  const healthcheck = last(runtime, 'HEALTHCHECK');
  t.ok(healthcheck, 'a HEALTHCHECK');
  t.notMatch(healthcheck!.args, /\b(curl|wget)\b/);
  t.ok(healthcheck!.flags.interval && healthcheck!.flags.timeout, 'interval and timeout are set');
  const [node, flag, script] = healthcheckArgv();
  t.same([node, flag], ['node', '-e'], 'a node -e one-liner');
  t.match(script, /\/health\/ready/);
});

/** Runs the HEALTHCHECK script against a local server answering `status` (or none); resolves its exit code. */
async function probe(status: number | null): Promise<number | null> {
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/health/ready' ? (status ?? 500) : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  if (status === null) await new Promise((resolve) => server.close(resolve));
  try {
    const child = spawn(process.execPath, ['-e', healthcheckArgv()[2]], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    return await new Promise((resolve) => child.on('exit', resolve));
  } finally {
    if (status !== null) server.close();
  }
}

t.test('the HEALTHCHECK script reports ready, not ready and down', async (t) => {
  t.equal(await probe(200), 0, '200 is healthy');
  t.equal(await probe(503), 1, '503 (not ready) is unhealthy');
  t.equal(await probe(null), 1, 'connection refused is unhealthy');
});

t.test('.dockerignore keeps local artifacts out but lets the build inputs in', async (t) => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const entry of ['node_modules', '.git', 'dist', '.env']) t.ok(ignored.includes(entry), `ignores ${entry}`);
  const inputs = stages.flatMap((stage) =>
    all(stage, 'COPY')
      .filter((i) => !i.flags.from)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1)),
  );
  for (const input of inputs) t.notOk(ignored.includes(input), `${input} is copied, so not ignored`);
});

t.test('scripts/image-smoke.sh replays this Dockerfile', async (t) => {
  const script = read('scripts/image-smoke.sh');
  const [, inputs] = /^BUILD_INPUTS=\(([^)]*)\)$/m.exec(script) ?? [];
  const copied = all(build!, 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  t.same(inputs?.split(/\s+/).sort(), copied.sort(), 'the same build inputs');
  t.ok(script.includes(`node ${execForm(last(runtime, 'CMD')!.args)[1]}`), 'the same entry point');
  t.match(script, /npm ci --omit=dev/);
  const syntax = spawn('bash', ['-n', join(root, 'scripts', 'image-smoke.sh')], { stdio: 'ignore' });
  t.equal(await new Promise((resolve) => syntax.on('exit', resolve)), 0, 'bash -n accepts it');
});
