// CPU time by thread of this process, from Linux's /proc/self/task/*/stat (utime + stime, in clock
// ticks of 10 ms): the main thread against the helpers (V8's GC and compiler threads, libuv's pool)
// together. Elsewhere (no /proc) it reads nothing (null).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** CPU ms of the main thread ("main") and of the others together ("helpers"; Node names them all "node"). */
export type ThreadCpu = Record<string, number>;

const TICK_MS = 10; // USER_HZ = 100 on Linux

function threadCpu(): ThreadCpu | null {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const out: ThreadCpu = {};
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // "tid (comm) state ..." — comm may hold spaces; the fields after it are fixed
      const close = stat.lastIndexOf(')');
      const name = Number(tid) === process.pid ? 'main' : 'helpers';
      const fields = stat.slice(close + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
      out[name] = (out[name] ?? 0) + ms;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * How many times the main thread went to sleep and was woken (voluntary context switches): an
 * event loop's wake-ups, each of which costs CPU of its own on a virtual machine. Linux only.
 */
function mainThreadWakeups(): number | null {
  try {
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    const m = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU ms per group spent between two readings (largest first). */
function threadCpuSince(before: ThreadCpu | null, after: ThreadCpu | null): ThreadCpu | null {
  if (!before || !after) return null;
  const diff = Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  return Object.fromEntries(diff);
}

/** A reading to measure a phase from: threadsSince(mark) at its end. */
export interface ThreadMark {
  threads: ThreadCpu | null;
  wakeups: number | null;
  at: number;
}

export const threadMark = (): ThreadMark => ({
  threads: threadCpu(),
  wakeups: mainThreadWakeups(),
  at: performance.now(),
});

/** CPU ms by thread and the main thread's wake-ups per second since `mark` (null where unreadable). */
export function threadsSince(mark: ThreadMark): { threadCpuMs: ThreadCpu | null; wakeupsPerSec: number | null } {
  const wakeups = mainThreadWakeups();
  const seconds = (performance.now() - mark.at) / 1000;
  return {
    threadCpuMs: threadCpuSince(mark.threads, threadCpu()),
    wakeupsPerSec:
      mark.wakeups !== null && wakeups !== null && seconds > 0 ? Math.round((wakeups - mark.wakeups) / seconds) : null,
  };
}
