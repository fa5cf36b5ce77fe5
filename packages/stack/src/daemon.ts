import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a pid file records: the pid and the process's start time (clock ticks since boot, field 22
 * of /proc/<pid>/stat), so that a recycled pid is never mistaken for a server we started.
 */
interface PidRecord {
  readonly pid: number;
  readonly startTicks: string;
}

/**
 * The fields of /proc/<pid>/stat after the command name, or undefined once the process is gone:
 * [0] state, [2] process group, [11] utime, [12] stime, [19] start time (in clock ticks).
 */
export function procStat(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Every live process's stat fields (see `procStat`). */
export function* allProcStats(): Generator<string[]> {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat !== undefined) yield stat; // undefined: exited while we looked
  }
}

export const processStartTicks = (pid: number): string | undefined => procStat(pid)?.[19];

const isZombie = (pid: number): boolean => (procStat(pid)?.[0] ?? 'Z') === 'Z';

export class PidFile {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  read(): PidRecord | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as PidRecord;
    } catch {
      return undefined;
    }
  }

  write(record: PidRecord): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(record) + '\n');
  }

  /** The live process this file names, or undefined (stale files are removed). */
  alive(): PidRecord | undefined {
    const record = this.read();
    if (record === undefined) return undefined;
    if (processStartTicks(record.pid) === record.startTicks && !isZombie(record.pid)) return record;
    rmSync(this.file, { force: true });
    return undefined;
  }

  /**
   * SIGTERM the recorded process's group (each daemon leads its own, so wrapper scripts and the
   * JVMs they launch go too), SIGKILL whatever is left after `graceMs`, remove the file.
   */
  async stop(graceMs: number): Promise<boolean> {
    const record = this.alive();
    if (record === undefined) return false;
    signalGroup(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && groupAlive(record.pid)) await sleep(200);
    if (groupAlive(record.pid)) {
      signalGroup(record.pid, 'SIGKILL');
      while (groupAlive(record.pid)) await sleep(100);
    }
    rmSync(this.file, { force: true });
    return true;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** True while any process of the group lives, zombies aside. */
export function groupAlive(pgid: number): boolean {
  for (const stat of allProcStats()) if (stat[2] === String(pgid) && stat[0] !== 'Z') return true;
  return false;
}

export interface DaemonSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly pidFile: PidFile;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts a detached process with its output appended to its log file and records its pid. */
export function startDaemon(spec: DaemonSpec): number {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    const startTicks = processStartTicks(child.pid);
    if (startTicks === undefined)
      throw new Error(`${spec.command} exited at once; see ${spec.logFile}`);
    spec.pidFile.write({ pid: child.pid, startTicks });
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
