import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child Node process whose JSON stdout lines can be awaited; killed by `killAll`. */
export class Child {
  readonly lines: string[] = [];
  private waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    proc.stderr?.on('data', (d: Buffer) => {
      if (process.env.TEST_CHILD_STDERR === '1') process.stderr.write(d);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the first stdout line containing `text` (past or future). */
  waitForLine(text: string, timeoutMs = 30_000): Promise<string> {
    const past = this.lines.find((l) => l.includes(text));
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child did not print "${text}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match: (l) => l.includes(text),
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`child exited (${code}) before printing "${text}"`));
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

const children = new Set<Child>();

export function spawnNode(script: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(proc);
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill()));
}

// A test runner that dies must not leave children behind.
process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL');
});
