import { loadStackConfig } from './config.ts';
import { allProcStats } from './daemon.ts';
import { pidFileOf } from './server.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime (ms) of every process in the group `pgid` (each stack daemon leads its own). */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const stat of allProcStats())
    if (Number(stat[2]) === pgid) ticks += Number(stat[11]) + Number(stat[12]);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU time (ms) used so far by each named stack server (MariaDB, Kafka, ...), read from /proc:
 * benchmarks take two readings around a phase to show where its CPU went. A server that is not
 * running reads as NaN.
 */
export function stackCpuMs(names: readonly string[]): Record<string, number> {
  const cfg = loadStackConfig();
  const out: Record<string, number> = {};
  for (const name of names) {
    const pid = pidFileOf(cfg, name).alive()?.pid;
    out[name] = pid === undefined ? Number.NaN : groupCpuMs(pid);
  }
  return out;
}
