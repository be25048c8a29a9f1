// Calendar days in an IANA time zone ⇄ instants (no clock; daylight saving followed).
import { zoneFormatter } from '../../notify/time-zone.ts';

const partsFormat = zoneFormatter;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function partsAt(instant: number, timeZone: string): Parts {
  const p: Record<string, number> = {};
  for (const part of partsFormat(timeZone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return {
    year: p.year ?? 1970,
    month: p.month ?? 1,
    day: p.day ?? 1,
    hour: (p.hour ?? 0) % 24,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
  };
}

/** The zone's offset from UTC at `instant`, in milliseconds (Seoul: +9 h). */
export function offsetMs(instant: number, timeZone: string): number {
  const p = partsAt(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** True when `timeZone` is a zone Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    partsFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time `minutes` after local midnight of `day` (YYYY-MM-DD) in `timeZone`, as an instant. */
export function zonedInstant(day: string, minutes: number, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, 0, minutes);
  let instant = guess - offsetMs(guess, timeZone);
  instant = guess - offsetMs(instant, timeZone);
  return instant;
}

// Local midnights asked again and again (a 90-day strip per page, per request): remembered, at
// most MIDNIGHTS_KEPT of them (the map is emptied when full; the value is pure arithmetic).
const MIDNIGHTS_KEPT = 20_000;
const midnights = new Map<string, number>();

/** Local midnight of `day` (YYYY-MM-DD) in `timeZone`. */
export function startOfDay(day: string, timeZone: string): number {
  const key = `${timeZone}|${day}`;
  let instant = midnights.get(key);
  if (instant === undefined) {
    if (midnights.size >= MIDNIGHTS_KEPT) midnights.clear();
    instant = zonedInstant(day, 0, timeZone);
    midnights.set(key, instant);
  }
  return instant;
}

/** The calendar day (YYYY-MM-DD) of `instant` in `timeZone`. */
export function dayOf(instant: number, timeZone: string): string {
  const p = partsAt(instant, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** `day` ± `n` calendar days (YYYY-MM-DD; pure calendar arithmetic). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The weekday of a calendar day (0 = Sunday). */
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The month `YYYY-MM` as [local start of its first day, local start of the next month's). */
export function monthSpan(month: string, timeZone: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from: startOfDay(`${month}-01`, timeZone), to: startOfDay(next, timeZone) };
}
