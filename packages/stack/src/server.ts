import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackConfig } from './config.ts';
import { PidFile } from './daemon.ts';
import { StackError } from './errors.ts';

/** One server of the local stack. */
export interface StackServer {
  readonly name: string;
  /** How a client reaches it, for `status`. */
  url(cfg: StackConfig): string;
  /** Downloads or builds what is missing; a no-op when everything is cached. */
  install(cfg: StackConfig): Promise<void>;
  /** Starts the process (detached) and records its pid. */
  start(cfg: StackConfig): Promise<void>;
  /** Waits until the freshly started server answers and prepares it (users, databases). */
  waitReady(cfg: StackConfig, deadline: number): Promise<void>;
  /** One real request through a real client; throws when the server does not answer. */
  probe(cfg: StackConfig): Promise<void>;
  /**
   * Why the running server must restart to pick up what `install` would now lay out (say, a
   * rebuilt plugin), or undefined when it is current. Absent: never.
   */
  outdated?(cfg: StackConfig): Promise<string | undefined>;
  /** How long a start may take before `up` gives up. */
  readonly startTimeoutMs: number;
}

export const pidFileOf = (cfg: StackConfig, name: string): PidFile =>
  new PidFile(path.join(cfg.runDir, `${name}.pid`));
export const logFileOf = (cfg: StackConfig, name: string): string =>
  path.join(cfg.logDir, `${name}.log`);

/** Retries `probe` until it succeeds or the deadline passes; the failure names the server and its log. */
export async function waitFor(
  cfg: StackConfig,
  name: string,
  deadline: number,
  probe: () => Promise<void>,
): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    if (pidFileOf(cfg, name).alive() === undefined) {
      throw new StackError(`${name} exited while starting; see ${logFileOf(cfg, name)}`);
    }
    try {
      await probe();
      return;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  const reason = last instanceof Error ? last.message.split('\n')[0] : String(last);
  throw new StackError(`${name} did not answer in time (${reason}); see ${logFileOf(cfg, name)}`);
}

/** Races a promise against a timeout, so a probe never hangs `status`. */
export async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
