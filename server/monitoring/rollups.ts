// In-memory hourly rollups per port, fed by every check and flushed in batches. Until a flush
// has landed, the rows (those being written included) are readable through pending(), so
// statistics include the hour still in memory.
import type { RollupRow } from '../services/types.ts';

const HOUR = 3_600_000;

export class RollupBuffer {
  private rows = new Map<string, RollupRow>();
  /** Drained for a write that has not landed yet. */
  private writing: RollupRow[] = [];

  /** `flapMs`: time since the previous check spent flapping (counted apart from down time). */
  add(monitorId: string, port: number, at: number, ok: boolean, latencyMs: number, downMs: number, flapMs = 0): void {
    const hour = Math.floor(at / HOUR) * HOUR;
    const key = `${monitorId}:${port}:${hour}`;
    let r = this.rows.get(key);
    if (!r) {
      r = {
        monitorId,
        port,
        hour: new Date(hour),
        checks: 0,
        failures: 0,
        latencySumMs: 0,
        latencyCount: 0,
        latencyMinMs: null,
        latencyMaxMs: null,
        downSeconds: 0,
        flapSeconds: 0,
      };
      this.rows.set(key, r);
    }
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

  size(): number {
    return this.rows.size;
  }

  /** Takes every row out of the buffer (still counted by pending() until landed() or restore()). */
  drain(): RollupRow[] {
    const out = [...this.rows.values()];
    this.rows.clear();
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
    for (const r of [...this.writing, ...this.rows.values()]) if (monitorIds.has(r.monitorId)) out.push({ ...r });
    return out;
  }

  /** Puts rows back after a failed write (added to what came since). */
  restore(rows: RollupRow[]): void {
    this.landed(rows);
    for (const r of rows) {
      const key = `${r.monitorId}:${r.port}:${r.hour.getTime()}`;
      const cur = this.rows.get(key);
      if (!cur) {
        this.rows.set(key, r);
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
