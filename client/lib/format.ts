// Formatting in the viewer's language and time zone (see i18n).
import { i18n, locale, t } from './i18n/index.svelte';
import { partsFormat } from './tz';

function parts(value: string | Date, tz = i18n.timeZone): Record<string, string> {
  const d = typeof value === 'string' ? new Date(value) : value;
  const out: Record<string, string> = {};
  for (const p of partsFormat(tz).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** "2010-08-30 15:35:04", the seed's format, in the viewer's time zone. */
export function dateTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export function dateOnly(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day}`;
}

export function timeOnly(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const p = parts(value);
  return `${p.hour}:${p.minute}:${p.second}`;
}

const rtfCache = new Map<string, Intl.RelativeTimeFormat>();
const nfCache = new Map<string, Intl.NumberFormat>();
function rtf(): Intl.RelativeTimeFormat {
  const l = locale();
  let f = rtfCache.get(l);
  if (!f) {
    f = new Intl.RelativeTimeFormat(l, { numeric: 'auto' });
    rtfCache.set(l, f);
  }
  return f;
}
function nf(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  const k = `${locale()}|${key}`;
  let f = nfCache.get(k);
  if (!f) {
    f = make();
    nfCache.set(k, f);
  }
  return f;
}

/** "3 minutes ago" / "3분 전". */
export function relative(value: string | Date | null | undefined, now = Date.now()): string {
  if (!value) return '—';
  let ms = (typeof value === 'string' ? Date.parse(value) : value.getTime()) - now;
  // the page's clock ticks every 10 s and the server's may run slightly ahead: no "in 3 seconds"
  if (ms > 0 && ms < 60_000) ms = 0;
  const f = rtf();
  const s = Math.round(ms / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return f.format(s, 'second');
  if (abs < 45 * 60) return f.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return f.format(Math.round(s / 3600), 'hour');
  return f.format(Math.round(s / 86400), 'day');
}

export function latency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function num(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return nf('n', () => new Intl.NumberFormat(locale())).format(n);
}

export function percent(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  return nf(
    `p${digits}`,
    () => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits }),
  ).format(x);
}

/** 5025 s → "1 h 23 min" / "1시간 23분". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return t('unit.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('unit.minutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('unit.hoursMinutes', { h, m: m % 60 });
  return t('unit.daysHours', { d: Math.floor(h / 24), h: h % 24 });
}

/** The year / month / day / hour of an instant in the viewer's time zone. */
export function calendar(value: string | Date): { year: number; month: number; day: number; hour: number } {
  const p = parts(value);
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour) };
}
