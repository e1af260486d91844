import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Runs a benchmark script's `main`: a failure prints its stack, prefixed by `what`, and exits 1. */
export function runBench(what: string, main: () => Promise<void>): void {
  main().catch((error) => {
    process.stderr.write(`\n${what} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}

/** Writes a report to bench/results/<name>.md (<name>-quick.md for a quick run) and prints it. */
export function saveReport(name: string, quick: boolean, report: string): void {
  writeFileSync(join(RESULTS, quick ? `${name}-quick.md` : `${name}.md`), report);
  process.stdout.write(report);
}
