// Wall-clock time in a named time zone ⇄ instants, for <input type="datetime-local">.
const partsCache = new Map<string, Intl.DateTimeFormat>();
/** A cached formatter that gives a time zone's wall-clock parts (24-hour, two digits). */
export function partsFormat(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsCache.set(tz, f);
  }
  return f;
}

function offsetMs(instant: number, timeZone: string): number {
  const f = partsFormat(timeZone);
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(instant))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** "2026-11-24T18:20" in `timeZone` → ISO instant, or null when empty/invalid. */
export function localToIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const guess = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  let instant = guess - offsetMs(guess, timeZone);
  instant = guess - offsetMs(instant, timeZone);
  return new Date(instant).toISOString();
}

/** ISO instant → "2026-11-24T18:20" in `timeZone`. */
export function isoToLocal(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  const local = new Date(t + offsetMs(t, timeZone));
  return local.toISOString().slice(0, 16);
}
