/** Where seeding stands: the table being loaded and the overall row count. */
export interface SeedProgress {
  table: string;
  tableRows: number;
  tableTotal: number;
  rows: number;
  total: number;
}

/** The part of a stream the reporter needs (process.stderr satisfies it). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(progress: SeedProgress): void;
  /** Ends the bar (a TTY line is finished with a newline). */
  finish(): void;
}

const BAR_WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;
const format = (n: number) => n.toLocaleString('en-US');

function describe(p: SeedProgress): string {
  return `${p.table} ${format(p.tableRows)}/${format(p.tableTotal)}`;
}

/** A bar redrawn in place on one line, at most every 100 ms. */
function ttyReporter(stream: ProgressStream, now: () => number): ProgressReporter {
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const finished = p.rows === p.total;
      if (!finished && now() - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = now();
      const share = p.total === 0 ? 1 : p.rows / p.total;
      const filled = Math.round(share * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      const seconds = ((now() - started) / 1000).toFixed(1);
      const line = `seed [${bar}] ${String(Math.floor(share * 100)).padStart(3)}%  ${describe(p)}  ${seconds}s`;
      // \x1b[K clears what a longer previous line left behind.
      stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

/** Logs and CI: one line per finished table, nothing redrawn. */
function lineReporter(stream: ProgressStream): ProgressReporter {
  return {
    update(p) {
      if (p.tableRows !== p.tableTotal) return;
      const percent = p.total === 0 ? 100 : Math.floor((p.rows / p.total) * 100);
      stream.write(`seed: ${p.table}: ${format(p.tableTotal)} rows (${percent}% of ${format(p.total)})\n`);
    },
    finish() {},
  };
}

/**
 * A progress display for `seedDemoData`'s `onProgress`: a bar when `stream`
 * is a terminal, plain occasional lines otherwise (so logs stay readable).
 */
export function createProgressReporter(stream: ProgressStream = process.stderr, now: () => number = Date.now): ProgressReporter {
  return stream.isTTY ? ttyReporter(stream, now) : lineReporter(stream);
}
