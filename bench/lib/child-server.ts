import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** An implementation's server running as a child process on 127.0.0.1. */
export interface ChildServer {
  name: string;
  baseUrl: string;
  /** Sent with every measured and verified request (loom: an admin token, see bench/run.ts). */
  headers: Record<string, string>;
  pid: number;
  /** User + system CPU time the process has used so far (ms), from /proc/<pid>/stat. */
  cpuMs(): number;
  /** Peak resident set size since start or the last `resetPeakRss()` (MB), from VmHWM. */
  peakRssMb(): number;
  /** Restarts the peak RSS watermark (writes 5 to /proc/<pid>/clear_refs). */
  resetPeakRss(): void;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Asks the kernel for a free port by binding port 0 and letting it go. */
export async function freePort(): Promise<number> {
  // BENCH_PORTS=41200-41299: the first bindable port of that range (a machine shared by sessions, each with its range).
  const range = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORTS ?? '');
  if (range) {
    for (let port = Number(range[1]); port <= Number(range[2]); port++) if (await bindable(port)) return port;
    throw new Error(`no free port in BENCH_PORTS ${process.env.BENCH_PORTS}`);
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts `node --import tsx <entry>` with PORT / HOST set and waits until
 * `readyPath` answers. Node itself is the child (no npx or shell in between),
 * so its pid is the one whose CPU and memory are measured.
 */
export async function startChildServer(options: {
  name: string;
  entry: string;
  cwd: string;
  env: Record<string, string>;
  readyPath: string;
  headers?: Record<string, string>;
  /** More node options before the entry (e.g. another `--import`). */
  nodeArgs?: string[];
}): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), options.entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${baseUrl}${options.readyPath}`, () => stderr, options.name);
  const pid = child.pid!;
  return {
    name: options.name,
    baseUrl,
    headers: options.headers ?? {},
    pid,
    cpuMs: () => {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    peakRssMb: () => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : NaN;
    },
    resetPeakRss: () => writeFileSync(`/proc/${pid}/clear_refs`, '5'),
    stop: () => stopChild(child),
  };
}

async function waitUntilReady(child: ChildProcess, url: string, stderr: () => string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was ready:\n${stderr()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer ${url} within 60 s:\n${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
