// In-memory hourly rollups per port, fed by every check and flushed in batches. Until a flush
// has landed, the rows (those being written included) are readable through pending(), so
// statistics include the hour still in memory.
import type { RollupRow } from '../services/types.ts';

const HOUR = 3_600_000;

interface Hour {
  date: Date;
  /** Monitor id → its ports' rows (no key string is built per check; one Date per hour). */
  byMonitor: Map<string, RollupRow[]>;
}

export class RollupBuffer {
  private hours = new Map<number, Hour>();
  private count = 0;
  /** Drained for a write that has not landed yet. */
  private writing: RollupRow[] = [];

  /** The row of (monitor, port, hour), made when absent. */
  private row(monitorId: string, port: number, hour: number): { row: RollupRow; fresh: boolean } {
    let h = this.hours.get(hour);
    if (!h) this.hours.set(hour, (h = { date: new Date(hour), byMonitor: new Map() }));
    let list = h.byMonitor.get(monitorId);
    if (!list) h.byMonitor.set(monitorId, (list = []));
    for (const r of list) if (r.port === port) return { row: r, fresh: false };
    const r: RollupRow = {
      monitorId,
      port,
      hour: h.date,
      checks: 0,
      failures: 0,
      latencySumMs: 0,
      latencyCount: 0,
      latencyMinMs: null,
      latencyMaxMs: null,
      downSeconds: 0,
      flapSeconds: 0,
    };
    list.push(r);
    this.count += 1;
    return { row: r, fresh: true };
  }

  /** `flapMs`: time since the previous check spent flapping (counted apart from down time). */
  add(monitorId: string, port: number, at: number, ok: boolean, latencyMs: number, downMs: number, flapMs = 0): void {
    const { row: r } = this.row(monitorId, port, Math.floor(at / HOUR) * HOUR);
    r.checks += 1;
    if (!ok) r.failures += 1;
    else {
      r.latencySumMs += latencyMs;
      r.latencyCount += 1;
      r.latencyMinMs = r.latencyMinMs === null ? latencyMs : Math.min(r.latencyMinMs, latencyMs);
      r.latencyMaxMs = r.latencyMaxMs === null ? latencyMs : Math.max(r.latencyMaxMs, latencyMs);
    }
    r.downSeconds += Math.round(downMs / 1000);
    r.flapSeconds += Math.round(flapMs / 1000);
  }

  private *all(): Generator<RollupRow> {
    for (const h of this.hours.values()) for (const list of h.byMonitor.values()) yield* list;
  }

  size(): number {
    return this.count;
  }

  /** Takes every row out of the buffer (still counted by pending() until landed() or restore()). */
  drain(): RollupRow[] {
    const out = [...this.all()];
    this.hours.clear();
    this.count = 0;
    this.writing = [...this.writing, ...out];
    return out;
  }

  /** These drained rows are in the database. */
  landed(rows: readonly RollupRow[]): void {
    const done = new Set(rows);
    this.writing = this.writing.filter((r) => !done.has(r));
  }

  /** Copies of the rows not yet in the database for these monitors (written or being written). */
  pending(monitorIds: ReadonlySet<string>): RollupRow[] {
    const out: RollupRow[] = [];
    for (const r of this.writing) if (monitorIds.has(r.monitorId)) out.push({ ...r });
    for (const h of this.hours.values())
      for (const id of monitorIds) for (const r of h.byMonitor.get(id) ?? []) out.push({ ...r });
    return out;
  }

  /** Puts rows back after a failed write (added to what came since). */
  restore(rows: RollupRow[]): void {
    this.landed(rows);
    for (const r of rows) {
      const { row: cur, fresh } = this.row(r.monitorId, r.port, r.hour.getTime());
      if (fresh) {
        Object.assign(cur, r, { hour: cur.hour });
        continue;
      }
      cur.checks += r.checks;
      cur.failures += r.failures;
      cur.latencySumMs += r.latencySumMs;
      cur.latencyCount += r.latencyCount;
      cur.latencyMinMs =
        cur.latencyMinMs === null
          ? r.latencyMinMs
          : r.latencyMinMs === null
            ? cur.latencyMinMs
            : Math.min(cur.latencyMinMs, r.latencyMinMs);
      cur.latencyMaxMs =
        cur.latencyMaxMs === null
          ? r.latencyMaxMs
          : r.latencyMaxMs === null
            ? cur.latencyMaxMs
            : Math.max(cur.latencyMaxMs, r.latencyMaxMs);
      cur.downSeconds += r.downSeconds;
      cur.flapSeconds += r.flapSeconds;
    }
  }
}
