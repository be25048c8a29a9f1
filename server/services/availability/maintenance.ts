// Maintenance windows as time spans inside a range: one-off windows as they are, weekly windows
// (wall-clock times in their own zone) once per matching local day. Windows are read as they are
// configured now (a deleted window no longer excludes its past time). A weekly window with an
// unknown zone excludes nothing, as it silences nothing at run time.
import { addDays, dayOf, isTimeZone, weekdayOf, zonedInstant } from './zone.ts';
import { type Span, union } from './spans.ts';

export interface WindowRow {
  kind: 'ONE_OFF' | 'WEEKLY';
  startsAt: Date | null;
  endsAt: Date | null;
  weekday: number | null;
  startMinute: number | null;
  durationMin: number | null;
  timeZone: string;
}

const DAY_MS = 86_400_000;

/** The windows' time inside `range`, as a union. */
export function maintenanceSpans(rows: readonly WindowRow[], range: Span): Span[] {
  const out: Span[] = [];
  for (const w of rows) {
    if (w.kind === 'ONE_OFF') {
      if (w.startsAt && w.endsAt) out.push({ from: w.startsAt.getTime(), to: w.endsAt.getTime() });
      continue;
    }
    if (w.weekday == null || w.startMinute == null || w.durationMin == null || w.durationMin <= 0) continue;
    if (!isTimeZone(w.timeZone)) continue;
    const duration = Math.min(w.durationMin, 7 * 1440) * 60_000;
    // from the day before the range (a window may run past midnight) to the range's last day
    const last = dayOf(range.to, w.timeZone);
    for (let day = dayOf(range.from - duration - DAY_MS, w.timeZone); day <= last; day = addDays(day, 1)) {
      if (weekdayOf(day) !== w.weekday) continue;
      const from = zonedInstant(day, w.startMinute, w.timeZone);
      out.push({ from, to: from + duration });
    }
  }
  return union(out.map((s) => ({ from: Math.max(s.from, range.from), to: Math.min(s.to, range.to) })));
}
