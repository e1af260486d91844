/** A one-line progress bar on stderr (a plain line per step when stderr is not a terminal). */
export interface ProgressBar {
  /** Advances by `amount` and shows `label` as what is running now. */
  tick(amount: number, label: string): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  finish(): void;
}

const WIDTH = 28;

export function createProgressBar(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const started = Date.now();
  let done = 0;
  let current = '';
  let lastDecile = 0;
  const draw = () => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(fraction * WIDTH);
    const elapsed = (Date.now() - started) / 1000;
    const eta = fraction > 0 ? Math.max(0, elapsed / fraction - elapsed) : NaN;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `eta ${Number.isFinite(eta) ? `${Math.round(eta)}s` : '?'} ${current}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
  };
  return {
    tick(amount, label) {
      done += amount;
      current = label;
      if (stream.isTTY) return draw();
      // Without a terminal (CI, a log file), one line per 10% done.
      const decile = Math.floor((done / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${decile * 10}% ${current}\n`);
      }
    },
    log(line) {
      if (stream.isTTY) stream.write('\r\x1b[2K');
      stream.write(`${line}\n`);
      if (stream.isTTY) draw();
    },
    finish() {
      if (stream.isTTY) stream.write('\r\x1b[2K');
    },
  };
}
