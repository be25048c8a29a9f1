// A report month, 'YYYY-MM', checked: not before 2000, not after the current month (in the zone).
import { ValidationError } from '../errors.ts';
import { dayOf } from '../availability/zone.ts';

export function checkMonth(month: string, now: Date, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[1]) < 2000)
    throw ValidationError.field('month', 'A month as YYYY-MM', 'INVALID_MONTH');
  if (month > dayOf(now.getTime(), timeZone).slice(0, 7))
    throw ValidationError.field('month', 'A month that has begun', 'FUTURE_MONTH');
  return month;
}

/** The month before the one `now` falls in, in the zone (the report the 1st sends). */
export function previousMonth(now: Date, timeZone: string): string {
  const [y, mo] = dayOf(now.getTime(), timeZone).split('-').map(Number) as [number, number];
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
}
