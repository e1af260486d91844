import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { configVariables, loadConfig } from '../../src/config.js';

/** docs/DEPLOY.md's variable table must match src/config.ts: same variables, true defaults. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = readFileSync(join(root, 'docs', 'DEPLOY.md'), 'utf8');

/** Rows `| \`NAME\` | default | meaning |` of the table. */
const rows = new Map(
  [...docs.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \| ([^|]+) \|$/gm)].map(([, name, fallback, meaning]) => [
    name,
    { fallback: fallback.trim(), meaning: meaning.trim() },
  ]),
);

t.test('the table lists exactly the variables src/config.ts reads', async (t) => {
  t.same([...rows.keys()].sort(), [...configVariables].sort());
  for (const [name, row] of rows) t.ok(row.meaning.length > 10, `${name} is explained`);
});

t.test('every documented default is the real one', async (t) => {
  const defaults = loadConfig({});
  let unset = 0;
  for (const [name, { fallback }] of rows) {
    const literal = /^`([^`]*)`$/.exec(fallback);
    if (literal) {
      // Setting a variable to its documented default must change nothing.
      t.same(loadConfig({ [name]: literal[1] }), defaults, `${name}=${literal[1]} is the default`);
    } else {
      t.equal(fallback, 'unset', `${name}: a literal default or "unset"`);
      unset += 1;
    }
  }
  // Config fields are not named like their variables, so "unset" is checked by count.
  const undefinedFields = Object.values(defaults).filter((value) => value === undefined).length;
  t.equal(unset, undefinedFields, 'as many "unset" rows as config fields without a default');
});

t.test('the example error message is the one the service prints', async (t) => {
  const [, example] = /```\n(invalid configuration: [^\n]*)\n```/.exec(docs) ?? [];
  t.ok(example, 'an example is shown');
  t.throws(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }), { message: example });
});
