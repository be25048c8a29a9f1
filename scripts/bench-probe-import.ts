// `bench:probe --import M [--import-via service|sql]` (PostgreSQL): once the measured window is
// over, with the runtime running at N ports, another process imports M more monitored servers
// the way an administrator does (scripts/bench-import-child.ts), and this one watches the probe
// through the resyncs that pick them up until it holds all of them, every imported port has had
// its first check, and one whole interval has passed since the import began:
// - lateness: the scheduler's window is read every second (each read resets it: nothing else
//   reads it during the phase), the worst second's p99 and the max are reported;
// - event-loop delay (max, p99) over the phase;
// - the imported ports' first checks (a check wrapper sees them: their inventory address is a
//   placeholder, redirected to loopback) and the old ports' checks: how many of the N were not
//   checked within the first interval after the import began (0: they kept their schedule).
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ProbeRuntime, ProbeRuntimeOptions } from '../server/monitoring/runtime.ts';
import type { FromImport, ImportJob } from './bench-import-child.ts';

type Check = NonNullable<ProbeRuntimeOptions['check']>;
const LOOPBACK = '127.0.0.1';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The probe's check, wrapped: records the imported ports' first checks and the old ports' checks. */
export function importWatch(base: Check) {
  const firstCheckAt = new Map<string, number>();
  const oldSeen = new Set<string>();
  let oldChecks = 0;
  let watchOldUntil = 0;
  const check: Check = (t, o) => {
    if (t.monitorId === null) return base(t, o);
    if (t.host !== LOOPBACK) {
      if (!firstCheckAt.has(t.monitorId)) firstCheckAt.set(t.monitorId, Date.now());
      return base({ ...t, host: LOOPBACK }, o);
    }
    if (watchOldUntil > 0) {
      oldChecks += 1;
      if (Date.now() < watchOldUntil) oldSeen.add(t.monitorId);
    }
    return base(t, o);
  };
  return {
    check,
    firstCheckAt,
    oldSeen,
    oldChecks: () => oldChecks,
    watchOld(until: number) {
      watchOldUntil = until;
    },
  };
}

export interface ImportPhase {
  probe: ProbeRuntime;
  watch: ReturnType<typeof importWatch>;
  job: ImportJob;
  /** Monitors the runtime held before the import. */
  base: number;
  say(m: string): void;
}

export async function importPhase(o: ImportPhase) {
  const { probe, watch, job } = o;
  const intervalMs = job.intervalS * 1000;
  const child = fork(fileURLToPath(new URL('./bench-import-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let serversMs: number | null = null;
  let monitorsMs: number | null = null;
  let doneAt: number | null = null;
  let failed: string | null = null;
  child.on('message', (m: FromImport) => {
    if (m.type === 'servers') o.say(`  import: ${job.count} servers in ${m.ms} ms (importServers)`);
    else if (m.type === 'progress') o.say(`  import: ${m.monitors} monitors registered`);
    else if (m.type === 'error') failed = m.message;
    else {
      ({ serversMs, monitorsMs } = m);
      doneAt = Date.now();
      o.say(`  import: done (${m.monitorsMs} ms for the monitors, ${job.via})`);
    }
  });
  let gone = false;
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      gone = true;
      r();
    }),
  );

  probe.stats(); // the lateness so far is not the phase's
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const checks0 = probe.stats().checksDone;
  watch.watchOld(t0 + intervalMs);
  child.send(job);

  let worstP99 = 0;
  let lateMax = 0;
  let secondsOver1s = 0;
  let lateCount = 0;
  let heldAt: number | null = null;
  let allCheckedAt: number | null = null;
  let monitors = 0;
  const cap = t0 + 60 * 60_000;
  for (let tick = 1; Date.now() < cap; tick++) {
    await sleep(1_000);
    if (failed) throw new Error(`import failed: ${failed}`);
    if (gone && doneAt === null) throw new Error('the importing process ended without finishing');
    const s = probe.stats();
    monitors = s.monitors;
    lateCount += s.lateness.count;
    worstP99 = Math.max(worstP99, s.lateness.p99);
    lateMax = Math.max(lateMax, s.lateness.max);
    if (s.lateness.p99 >= 1_000) secondsOver1s += 1;
    if (doneAt !== null && heldAt === null && monitors >= o.base + job.count) heldAt = Date.now();
    if (doneAt !== null && allCheckedAt === null && watch.firstCheckAt.size >= job.count)
      allCheckedAt = Math.max(...watch.firstCheckAt.values());
    if (tick % 10 === 0)
      o.say(
        `  ${tick} s: ${monitors} monitors, ${watch.firstCheckAt.size} imported checked, lateness p99 ${Math.round(s.lateness.p99)} ms (worst second ${Math.round(worstP99)} ms)`,
      );
    if (heldAt !== null && allCheckedAt !== null && Date.now() >= t0 + intervalMs + 2_000) break;
    // some never arrived (or never got checked): give up two intervals after the import ended
    if (doneAt !== null && Date.now() > doneAt + 2 * intervalMs + 60_000) {
      o.say(`  gave up: ${monitors} monitors held, ${watch.firstCheckAt.size} imported checked`);
      break;
    }
  }
  const elapsedMs = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const checks = probe.stats().checksDone - checks0;
  loop.disable();
  await exited;
  return {
    importMonitors: job.count,
    importVia: job.via,
    importServersMs: serversMs,
    importMonitorsMs: monitorsMs,
    /** From the import's last commit until the runtime held every imported monitor (±1 s). */
    importHeldMs: heldAt !== null && doneAt !== null ? heldAt - doneAt : null,
    /** From the import's last commit until every imported port had had its first check. */
    importAllCheckedMs: allCheckedAt !== null && doneAt !== null ? allCheckedAt - doneAt : null,
    importCheckedPorts: watch.firstCheckAt.size,
    importPhaseS: Math.round(elapsedMs / 1000),
    /** The worst one-second window's lateness p99 over the phase, and the max. */
    importLateP99Ms: Math.round(worstP99),
    importLateMaxMs: Math.round(lateMax),
    importSecondsP99Over1s: secondsOver1s,
    importLateSamples: lateCount,
    importLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10,
    importLoopDelayMaxMs: Math.round(loop.max / 1e6),
    importCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
    importCpuUsPerCheck: Math.round((cpu.user + cpu.system) / Math.max(1, checks)),
    /** Old ports not checked within the first interval after the import began (0: on schedule). */
    importOldMissed: o.base - watch.oldSeen.size,
    importOldChecksPerSec: Math.round((watch.oldChecks() / (elapsedMs / 1000)) * 10) / 10,
  };
}
