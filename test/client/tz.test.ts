// The dashboard's wall-clock ⇄ instant conversion for <input type="datetime-local">.
import { describe, expect, it } from 'vitest';
import { isoToLocal, localToIso, partsFormat } from '../../client/lib/tz.ts';

describe('time zone wall clock', () => {
  it('converts a Seoul wall-clock time to the instant and back', () => {
    expect(localToIso('2026-11-24T18:20', 'Asia/Seoul')).toBe('2026-11-24T09:20:00.000Z');
    expect(isoToLocal('2026-11-24T09:20:00.000Z', 'Asia/Seoul')).toBe('2026-11-24T18:20');
  });

  it('follows daylight saving time (New York, before and after the March change)', () => {
    expect(localToIso('2026-03-07T12:00', 'America/New_York')).toBe('2026-03-07T17:00:00.000Z');
    expect(localToIso('2026-03-09T12:00', 'America/New_York')).toBe('2026-03-09T16:00:00.000Z');
    expect(isoToLocal('2026-03-09T16:00:00.000Z', 'America/New_York')).toBe('2026-03-09T12:00');
  });

  it('refuses malformed input and keeps one formatter per zone', () => {
    expect(localToIso('24/11/2026 18:20', 'Asia/Seoul')).toBeNull();
    expect(isoToLocal(null, 'Asia/Seoul')).toBe('');
    expect(partsFormat('Asia/Kolkata')).toBe(partsFormat('Asia/Kolkata'));
  });
});
