// Failure runs: a port's consecutive failed checks with the same reason are one row that grows
// (FailureRun), instead of one row per check. Pure and in memory; the engine puts each run's
// current state into the write batch, which upserts it (absolute values: a retried or repeated
// write lands the same row).
//
// A run continues while the next failed check of the port has the same code and message, the
// same incident, the same flapping and maintenance marks, and falls on the same UTC day. A
// success, any of those changing, or a restart (the in-memory run is gone) starts a new run;
// while the port is FLAPPING its successes do not end the run (the engine decides: a flapping
// port's run counts the failed checks of its flapping period, interleaved with successes).
// `slots` counts the checks per UTC quarter hour from the quarter of `firstAt`: every time zone's
// hour and day boundaries fall on a UTC quarter hour, so a log bucket in any zone counts exactly.

export const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;

export interface RunRow {
  monitorId: string;
  port: number;
  firstAt: Date;
  lastAt: Date;
  count: number;
  /** Failed checks per UTC quarter hour, index 0 = the quarter of firstAt. */
  slots: number[];
  code: string;
  message: string;
  /** Of the run's last check. */
  latencyMs: number;
  incidentId: string | null;
  flapping: boolean;
  maintenance: boolean;
}

export interface FailedCheck {
  monitorId: string;
  port: number;
  at: number;
  code: string;
  message: string;
  latencyMs: number;
  incidentId: string | null;
  flapping: boolean;
  maintenance: boolean;
}

export const runKey = (r: Pick<RunRow, 'monitorId' | 'port' | 'firstAt'>) =>
  `${r.monitorId}:${r.port}:${r.firstAt.getTime()}`;

function continues(run: RunRow, f: FailedCheck): boolean {
  return (
    run.code === f.code &&
    run.message === f.message &&
    run.incidentId === f.incidentId &&
    run.flapping === f.flapping &&
    run.maintenance === f.maintenance &&
    f.at >= run.lastAt.getTime() &&
    Math.floor(f.at / DAY_MS) === Math.floor(run.firstAt.getTime() / DAY_MS)
  );
}

/** A copy safe to hand to a write while the run keeps growing. */
export const snapshotRun = (r: RunRow): RunRow => ({ ...r, slots: [...r.slots] });

export class RunTracker {
  /** The open run per port, keyed `${monitorId}:${port}`. */
  private readonly open = new Map<string, RunRow>();
  /** Open runs per monitor id: a success of a monitor with none builds no key string. */
  private readonly failing = new Map<string, number>();

  /** Counts a failed check into its port's run (a new run when it does not continue); returns the run. */
  fail(f: FailedCheck): RunRow {
    const key = `${f.monitorId}:${f.port}`;
    const cur = this.open.get(key);
    if (cur && continues(cur, f)) {
      const idx = Math.floor(f.at / QUARTER_MS) - Math.floor(cur.firstAt.getTime() / QUARTER_MS);
      while (cur.slots.length <= idx) cur.slots.push(0);
      cur.slots[idx] = (cur.slots[idx] ?? 0) + 1;
      cur.count += 1;
      cur.lastAt = new Date(f.at);
      cur.latencyMs = f.latencyMs;
      return cur;
    }
    const run: RunRow = {
      monitorId: f.monitorId,
      port: f.port,
      firstAt: new Date(f.at),
      lastAt: new Date(f.at),
      count: 1,
      slots: [1],
      code: f.code,
      message: f.message,
      latencyMs: f.latencyMs,
      incidentId: f.incidentId,
      flapping: f.flapping,
      maintenance: f.maintenance,
    };
    this.open.set(key, run);
    if (!cur) this.failing.set(f.monitorId, (this.failing.get(f.monitorId) ?? 0) + 1);
    return run;
  }

  /** The port answered (or stopped being checked): its run is over. */
  end(monitorId: string, port: number): void {
    // every success ends its port's run: no key string is built while no port is failing
    const n = this.failing.get(monitorId);
    if (n === undefined) return;
    if (!this.open.delete(`${monitorId}:${port}`)) return;
    if (n > 1) this.failing.set(monitorId, n - 1);
    else this.failing.delete(monitorId);
  }

  /** The monitor left this process (deleted, or its shard moved): its runs are over here. */
  forget(monitorId: string): void {
    if (!this.failing.delete(monitorId)) return;
    for (const key of this.open.keys()) if (key.startsWith(`${monitorId}:`)) this.open.delete(key);
  }

  size(): number {
    return this.open.size;
  }
}

/** The runs a sequence of failed checks compacts into (no success in between); for imports and fixtures. */
export function compactChecks(checks: FailedCheck[]): RunRow[] {
  const tracker = new RunTracker();
  const runs = new Set<RunRow>();
  for (const c of [...checks].sort((a, b) => a.at - b.at)) runs.add(tracker.fail(c));
  return [...runs].map(snapshotRun);
}
