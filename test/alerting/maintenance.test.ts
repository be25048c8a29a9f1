import { describe, expect, it } from 'vitest';
import {
  isInMaintenance,
  isWindowActive,
  localMinuteOfWeek,
  validateMaintenanceWindow,
  type MaintenanceWindow,
} from '../../server/alerting/index.ts';

const at = (iso: string): number => Date.parse(iso);

describe('one-off maintenance windows', () => {
  const w: MaintenanceWindow = {
    kind: 'once',
    startsAt: at('2024-05-01T10:00:00Z'),
    endsAt: at('2024-05-01T11:00:00Z'),
  };
  it.each([
    ['2024-05-01T09:59:59.999Z', false],
    ['2024-05-01T10:00:00Z', true],
    ['2024-05-01T10:59:59.999Z', true],
    ['2024-05-01T11:00:00Z', false],
  ])('%s → %s', (iso, expected) => {
    expect(isWindowActive(w, at(iso))).toBe(expected);
  });
});

describe('weekly maintenance windows', () => {
  it('computes the minute of the week in UTC and in a zone', () => {
    // 2024-01-07 is a Sunday.
    expect(localMinuteOfWeek(at('2024-01-07T00:00:00Z'), 'UTC')).toBe(0);
    expect(localMinuteOfWeek(at('2024-01-10T13:05:00Z'), 'UTC')).toBe(3 * 1440 + 13 * 60 + 5);
    expect(localMinuteOfWeek(at('2024-01-06T15:00:00Z'), 'Asia/Seoul')).toBe(0); // Sunday 00:00 KST
    expect(localMinuteOfWeek(0, 'Not/AZone')).toBeNull();
  });

  it('Sundays 03:00–05:00 Asia/Seoul', () => {
    const w: MaintenanceWindow = {
      kind: 'weekly',
      days: [0],
      startMinute: 180,
      durationMinutes: 120,
      timeZone: 'Asia/Seoul',
    };
    expect(isWindowActive(w, at('2024-01-06T17:59:00Z'))).toBe(false); // Sun 02:59 KST
    expect(isWindowActive(w, at('2024-01-06T18:00:00Z'))).toBe(true); // Sun 03:00 KST
    expect(isWindowActive(w, at('2024-01-06T19:59:00Z'))).toBe(true);
    expect(isWindowActive(w, at('2024-01-06T20:00:00Z'))).toBe(false); // Sun 05:00 KST
    expect(isWindowActive(w, at('2024-01-13T18:30:00Z'))).toBe(true); // next week
    expect(isWindowActive(w, at('2024-01-09T18:30:00Z'))).toBe(false); // Wednesday
  });

  it('crosses midnight and the end of the week', () => {
    const w: MaintenanceWindow = {
      kind: 'weekly',
      days: [6],
      startMinute: 23 * 60,
      durationMinutes: 120,
      timeZone: 'UTC',
    };
    expect(isWindowActive(w, at('2024-01-06T23:30:00Z'))).toBe(true); // Saturday
    expect(isWindowActive(w, at('2024-01-07T00:59:00Z'))).toBe(true); // Sunday
    expect(isWindowActive(w, at('2024-01-07T01:00:00Z'))).toBe(false);
  });

  it('follows daylight-saving time (wall clock in Europe/Berlin)', () => {
    const w: MaintenanceWindow = {
      kind: 'weekly',
      days: [1],
      startMinute: 2 * 60,
      durationMinutes: 60,
      timeZone: 'Europe/Berlin',
    };
    expect(isWindowActive(w, at('2024-01-08T01:30:00Z'))).toBe(true); // Mon 02:30 CET
    expect(isWindowActive(w, at('2024-07-01T00:30:00Z'))).toBe(true); // Mon 02:30 CEST
    expect(isWindowActive(w, at('2024-07-01T01:30:00Z'))).toBe(false); // Mon 03:30 CEST
  });

  it('ignores a window with an unknown zone at run time, and validation reports it', () => {
    const bad: MaintenanceWindow = {
      kind: 'weekly',
      days: [0, 7],
      startMinute: 1440,
      durationMinutes: 0,
      timeZone: 'Mars/Olympus',
    };
    expect(isInMaintenance([bad], at('2024-01-07T00:00:00Z'))).toBe(false);
    expect(Object.keys(validateMaintenanceWindow(bad)).sort()).toEqual([
      'days',
      'durationMinutes',
      'startMinute',
      'timeZone',
    ]);
    expect(validateMaintenanceWindow({ kind: 'once', startsAt: 10, endsAt: 10 })).toEqual({
      endsAt: 'must be after startsAt',
    });
    expect(
      validateMaintenanceWindow({
        kind: 'weekly',
        days: [1, 3],
        startMinute: 0,
        durationMinutes: 30,
        timeZone: 'Asia/Seoul',
      }),
    ).toEqual({});
  });

  it('isInMaintenance: any active window', () => {
    const windows: MaintenanceWindow[] = [
      { kind: 'once', startsAt: 0, endsAt: 10 },
      { kind: 'weekly', days: [3], startMinute: 0, durationMinutes: 1440, timeZone: 'UTC' },
    ];
    expect(isInMaintenance(windows, 5)).toBe(true);
    expect(isInMaintenance(windows, at('2024-01-10T12:00:00Z'))).toBe(true);
    expect(isInMaintenance(windows, at('2024-01-11T12:00:00Z'))).toBe(false);
    expect(isInMaintenance([], 5)).toBe(false);
  });
});
