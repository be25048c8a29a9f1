/**
 * Maintenance windows (per monitor): pure calendar arithmetic, no clock.
 * One-off windows are half-open [startsAt, endsAt). Weekly windows are wall-clock times in
 * an IANA time zone (so they follow daylight-saving changes); a weekly window may cross
 * midnight and the end of the week (Saturday 23:00 + 120 min ends Sunday 01:00).
 * A window with an invalid time zone is ignored at run time (alerts still go out, the safe
 * side for a monitor); reject it earlier with validateMaintenanceWindow.
 */
import type { MaintenanceWindow } from './types.ts';

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Memoised formatters (a cache, not state: results depend only on the arguments). */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let made: Intl.DateTimeFormat | null;
  try {
    made = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    made = null;
  }
  formatters.set(timeZone, made);
  return made;
}

/** Minutes since local Sunday 00:00 in `timeZone` at `now`, or null for an unknown zone. */
export function localMinuteOfWeek(now: number, timeZone: string): number | null {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    // 1970-01-01 was a Thursday (day 4).
    const minutes = Math.floor(now / 60_000) + 4 * MINUTES_PER_DAY;
    return ((minutes % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  }
  const formatter = formatterFor(timeZone);
  if (formatter === null) return null;
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(now)) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? -1;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (day < 0) return null;
  return day * MINUTES_PER_DAY + hour * 60 + minute;
}

export function isWindowActive(window: MaintenanceWindow, now: number): boolean {
  if (window.kind === 'once') return now >= window.startsAt && now < window.endsAt;
  const duration = Math.min(window.durationMinutes, MINUTES_PER_WEEK);
  if (!(duration > 0)) return false;
  const minute = localMinuteOfWeek(now, window.timeZone);
  if (minute === null) return false;
  return window.days.some((day) => {
    const start = day * MINUTES_PER_DAY + window.startMinute;
    const offset = (((minute - start) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    return offset < duration;
  });
}

/** The monitor is in maintenance at `now`: pass as `inMaintenance` to evaluatePort. */
export function isInMaintenance(windows: readonly MaintenanceWindow[], now: number): boolean {
  return windows.some((w) => isWindowActive(w, now));
}

/** One problem with a window: the field, a stable code (with its numbers) and an English message. */
export interface MaintenanceProblem {
  field: 'startsAt' | 'endsAt' | 'days' | 'startMinute' | 'durationMinutes' | 'timeZone';
  code: 'INVALID_TIME' | 'END_BEFORE_START' | 'INVALID_WEEKDAY' | 'OUT_OF_RANGE' | 'UNKNOWN_TIME_ZONE';
  params?: Record<string, number>;
  message: string;
}

/** Problems with a window (empty when valid). For the service layer. */
export function maintenanceProblems(window: MaintenanceWindow): MaintenanceProblem[] {
  const out: MaintenanceProblem[] = [];
  if (window.kind === 'once') {
    if (!Number.isFinite(window.startsAt))
      out.push({ field: 'startsAt', code: 'INVALID_TIME', message: 'must be a time' });
    if (!Number.isFinite(window.endsAt)) out.push({ field: 'endsAt', code: 'INVALID_TIME', message: 'must be a time' });
    else if (!(window.endsAt > window.startsAt))
      out.push({ field: 'endsAt', code: 'END_BEFORE_START', message: 'must be after startsAt' });
    return out;
  }
  if (window.days.length === 0 || !window.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)) {
    out.push({ field: 'days', code: 'INVALID_WEEKDAY', message: 'must be one or more of 0 (Sunday) … 6 (Saturday)' });
  }
  if (!Number.isInteger(window.startMinute) || window.startMinute < 0 || window.startMinute >= MINUTES_PER_DAY) {
    out.push({
      field: 'startMinute',
      code: 'OUT_OF_RANGE',
      params: { min: 0, max: MINUTES_PER_DAY - 1 },
      message: 'must be a whole number of minutes in 0…1439',
    });
  }
  if (
    !Number.isInteger(window.durationMinutes) ||
    window.durationMinutes < 1 ||
    window.durationMinutes > MINUTES_PER_WEEK
  ) {
    out.push({
      field: 'durationMinutes',
      code: 'OUT_OF_RANGE',
      params: { min: 1, max: MINUTES_PER_WEEK },
      message: 'must be a whole number of minutes in 1…10080',
    });
  }
  if (localMinuteOfWeek(0, window.timeZone) === null)
    out.push({ field: 'timeZone', code: 'UNKNOWN_TIME_ZONE', message: 'unknown time zone' });
  return out;
}

/** Problems with a window, as field → message (empty when valid). */
export function validateMaintenanceWindow(window: MaintenanceWindow): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of maintenanceProblems(window)) errors[p.field] = p.message;
  return errors;
}
