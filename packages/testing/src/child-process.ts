import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How much of a child's stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 64 * 1024;

/** A parsed JSON object line from a child's stdout (a pino log entry, a fixture's report). */
export type LogEntry = Record<string, unknown>;

interface Waiter {
  /** Returns the awaited value when `line` is the one awaited, else undefined. */
  pick(line: string, entry: LogEntry | undefined): unknown;
  resolve(value: unknown): void;
}

const parseEntry = (line: string): LogEntry | undefined => {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as LogEntry)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A child Node process whose JSON stdout lines can be awaited; killed by `killAll`. */
export class Child {
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** The stdout lines that are JSON objects, parsed, in order. */
  readonly logs: LogEntry[] = [];
  /** Settles with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /**
   * Settles once the process has exited and its stdout and stderr are closed, i.e. every line it
   * wrote has been read.
   */
  readonly closed: Promise<number | null>;
  private waiters: Waiter[] = [];
  private stderrTail = '';

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const entry = parseEntry(line);
      this.lines.push(line);
      if (entry !== undefined) this.logs.push(entry);
      this.waiters = this.waiters.filter((w) => {
        const value = w.pick(line, entry);
        if (value === undefined) return true;
        w.resolve(value);
        return false;
      });
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-STDERR_TAIL_CHARS);
      if (process.env.TEST_CHILD_STDERR === '1') process.stderr.write(d);
    });
    // A failed spawn (bad cwd, ...) is reported here; unhandled, it would crash the test runner.
    proc.on('error', (err) => {
      this.stderrTail = `${this.stderrTail}\n${err.message}`.slice(-STDERR_TAIL_CHARS);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    this.closed = new Promise((resolve) => proc.on('close', (code) => resolve(code)));
  }

  /** The last 64 KiB the child wrote to stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Resolves with the first stdout line containing `text` (past or future). */
  waitForLine(text: string, timeoutMs = 30_000): Promise<string> {
    return this.waitFor(
      (line) => (line.includes(text) ? line : undefined),
      this.lines.find((l) => l.includes(text)),
      `"${text}"`,
      timeoutMs,
    );
  }

  /**
   * Resolves with the first JSON stdout line (past or future) that `match` accepts.
   * @param what names the awaited line in the error when the child exits or the time is up.
   */
  waitForLog(
    match: (entry: LogEntry) => boolean,
    what = 'the awaited log line',
    timeoutMs = 30_000,
  ): Promise<LogEntry> {
    return this.waitFor(
      (_line, entry) => (entry !== undefined && match(entry) ? entry : undefined),
      this.logs.find(match),
      what,
      timeoutMs,
    );
  }

  /** Sends `signal` (SIGKILL unless given) unless the process has already exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }

  /**
   * Asks the process to shut down (SIGTERM) and kills it (SIGKILL) if it has not exited after
   * `graceMs`.
   * @param graceMs @default 10000
   */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private waitFor<T>(
    pick: (line: string, entry: LogEntry | undefined) => T | undefined,
    past: T | undefined,
    what: string,
    timeoutMs: number,
  ): Promise<T> {
    if (past !== undefined) return Promise.resolve(past);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        pick,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
      };
      const fail = (message: string): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(message));
      };
      const timer = setTimeout(
        () => fail(`child did not print ${what} within ${timeoutMs} ms`),
        timeoutMs,
      );
      this.waiters.push(waiter);
      // `closed`, not `exited`: a line written just before exiting may be read after 'exit'.
      void this.closed.then((code) => {
        if (this.waiters.includes(waiter)) fail(`child exited (${code}) before printing ${what}`);
      });
    });
  }
}

/** Options for {@link spawnNode}. */
export interface SpawnOptions {
  /** The child's working directory. @default the test process's */
  readonly cwd?: string;
  /**
   * Whether the child sees the test process's environment beneath `env`; when false it gets only
   * PATH and `env`.
   * @default true
   */
  readonly inheritEnv?: boolean;
}

const children = new Set<Child>();

/**
 * Spawns `node <script>` with `env` and registers it with `killAll` (and with the exit hook that
 * kills whatever a dying test process leaves behind).
 */
export function spawnNode(
  script: string,
  env: Record<string, string>,
  options: SpawnOptions = {},
): Child {
  const base = (options.inheritEnv ?? true) ? process.env : { PATH: process.env.PATH ?? '' };
  const proc = spawn(process.execPath, [script], {
    cwd: options.cwd,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(proc);
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** SIGKILLs every child `spawnNode` started that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill()));
}

// A test runner that dies must not leave children behind.
process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL');
});
