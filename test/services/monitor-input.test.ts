import { describe, expect, it } from 'vitest';
import { validateContact, validatePolicy, validateWindows } from '../../server/services/monitor-input.ts';
import { describeMonitorStatus, portStatuses } from '../../server/services/monitor-status.ts';

const DEFAULTS = {
  intervalSec: 180,
  retryIntervalSec: 30,
  timeoutMs: 5000,
  failureThreshold: 3,
  recoveryThreshold: 2,
  portLimit: 3,
  flapEnabled: true,
  flapWindow: 21,
  flapChanges: 6,
  flapFailedPercent: 30,
};
const NONE = {
  intervalSec: null,
  retryIntervalSec: null,
  timeoutMs: null,
  failureThreshold: null,
  recoveryThreshold: null,
  reminderEveryMin: null,
  escalateAfterMin: null,
  flapEnabled: null,
  flapWindow: null,
  flapChanges: null,
  flapFailedPercent: null,
};
const paths = (problems: { path: string[] }[]) => problems.map((p) => p.path.join('.'));

describe('validateContact', () => {
  const base = {
    contactName: 'Kim',
    contactEmail: 'kim@example.com',
    contactPhone: null,
    mailEnabled: true,
    smsEnabled: false,
  };
  it('normalises the phone to E.164 and trims', () => {
    const r = validateContact({ ...base, contactName: ' Kim ', contactPhone: '010-1234-5678', smsEnabled: true });
    expect(r).toEqual({ value: { ...base, contactPhone: '+821012345678', smsEnabled: true }, problems: [] });
  });
  it('refuses an e-mail without @, a landline, and SMS without a phone', () => {
    expect(paths(validateContact({ ...base, contactEmail: 'kim.example.com' }).problems)).toEqual([
      'input.contactEmail',
    ]);
    expect(validateContact({ ...base, contactPhone: '02-312-3456' }).problems[0]?.message).toContain(
      'not a mobile number',
    );
    expect(paths(validateContact({ ...base, smsEnabled: true }).problems)).toEqual(['input.contactPhone']);
  });
});

describe('validatePolicy', () => {
  it('accepts defaults and sane values', () => {
    expect(validatePolicy(NONE, DEFAULTS)).toEqual([]);
    expect(validatePolicy({ ...NONE, intervalSec: 10 }, DEFAULTS)).toEqual([]); // the retry interval follows the interval down
    expect(
      validatePolicy(
        { ...NONE, intervalSec: 60, retryIntervalSec: 10, timeoutMs: 3000, reminderEveryMin: 30 },
        DEFAULTS,
      ),
    ).toEqual([]);
  });
  it('refuses values out of bounds and inconsistent combinations', () => {
    expect(paths(validatePolicy({ ...NONE, intervalSec: 9 }, DEFAULTS))).toEqual(['input.intervalSec']);
    expect(paths(validatePolicy({ ...NONE, failureThreshold: 0, recoveryThreshold: 101 }, DEFAULTS))).toEqual([
      'input.failureThreshold',
      'input.recoveryThreshold',
    ]);
    expect(paths(validatePolicy({ ...NONE, reminderEveryMin: 1 }, DEFAULTS))).toEqual(['input.reminderEveryMin']);
    expect(paths(validatePolicy({ ...NONE, intervalSec: 10, timeoutMs: 10_000 }, DEFAULTS))).toEqual([
      'input.timeoutMs',
    ]);
    expect(paths(validatePolicy({ ...NONE, intervalSec: 4 }, DEFAULTS))).toEqual(['input.intervalSec']);
    expect(paths(validatePolicy({ ...NONE, intervalSec: 60, retryIntervalSec: 120 }, DEFAULTS))).toEqual([
      'input.retryIntervalSec',
    ]);
    expect(paths(validatePolicy({ ...NONE, retryIntervalSec: 2, timeoutMs: 2000 }, DEFAULTS))).toEqual([
      'input.timeoutMs',
    ]);
  });
  it('flapping policy: within the limits of the core, and fewer changes than checks in the window', () => {
    expect(
      validatePolicy({ ...NONE, flapEnabled: false, flapWindow: 10, flapChanges: 4, flapFailedPercent: 50 }, DEFAULTS),
    ).toEqual([]);
    expect(paths(validatePolicy({ ...NONE, flapWindow: 5, flapChanges: 3, flapFailedPercent: 5 }, DEFAULTS))).toEqual([
      'input.flapWindow',
      'input.flapChanges',
      'input.flapFailedPercent',
    ]);
    // the default of 6 changes does not fit a window of 6 checks
    expect(paths(validatePolicy({ ...NONE, flapWindow: 6 }, DEFAULTS))).toEqual(['input.flapWindow']);
    expect(paths(validatePolicy({ ...NONE, flapWindow: 8, flapChanges: 8 }, DEFAULTS))).toEqual(['input.flapChanges']);
  });
});

describe('validateWindows', () => {
  it("keeps valid windows with the account's zone as default", () => {
    const r = validateWindows([{ kind: 'WEEKLY', weekday: 6, startMinute: 1380, durationMin: 120 }], 'Asia/Seoul');
    expect(r.problems).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      kind: 'WEEKLY',
      weekday: 6,
      startMinute: 1380,
      durationMin: 120,
      timeZone: 'Asia/Seoul',
    });
  });
  it('names the bad field of the bad window', () => {
    const r = validateWindows(
      [
        { kind: 'ONE_OFF', startsAt: new Date('2026-01-02'), endsAt: new Date('2026-01-03') },
        { kind: 'WEEKLY', weekday: 1, startMinute: 1440, durationMin: 0, timeZone: 'Mars/Olympus' },
        { kind: 'ONE_OFF', startsAt: new Date('2026-01-02') },
      ],
      'UTC',
    );
    expect(paths(r.problems)).toEqual([
      'input.maintenanceWindows.1.startMinute',
      'input.maintenanceWindows.1.durationMin',
      'input.maintenanceWindows.1.timeZone',
      'input.maintenanceWindows.2.endsAt',
    ]);
  });
});

describe('describeMonitorStatus', () => {
  const t0 = new Date('2026-03-01T00:00:00Z');
  const m = {
    createdAt: t0,
    updatedAt: t0,
    pausedAt: null,
    deletedAt: null,
    lastCheckAt: t0,
    intervalSec: 180,
    timeoutMs: 5000,
  };
  const at = (ms: number) => new Date(t0.getTime() + ms);
  it('is normal up to 2 × interval + timeout after the last check, then delayed', () => {
    expect(describeMonitorStatus(m, at(365_000), 'Asia/Seoul')).toEqual({
      state: 'NORMAL',
      lastCheckAt: t0,
      delayedSince: null,
      text: 'Monitoring your server normally (last check 2026-03-01 09:00:00)',
    });
    expect(describeMonitorStatus(m, at(365_001), 'UTC')).toEqual({
      state: 'DELAYED',
      lastCheckAt: t0,
      delayedSince: at(180_000),
      text: 'Check delayed since 2026-03-01 00:03:00 (last check 2026-03-01 00:00:00)',
    });
  });
  it('waits for the first check; an edit or resume restarts the clock; paused and deleted win', () => {
    expect(describeMonitorStatus({ ...m, lastCheckAt: null }, at(1000), 'UTC').state).toBe('WAITING');
    expect(describeMonitorStatus({ ...m, lastCheckAt: null }, at(400_000), 'UTC').state).toBe('DELAYED');
    expect(describeMonitorStatus({ ...m, updatedAt: at(300_000) }, at(400_000), 'UTC').state).toBe('NORMAL');
    expect(describeMonitorStatus({ ...m, pausedAt: t0 }, at(10_000_000), 'UTC').state).toBe('PAUSED');
    expect(describeMonitorStatus({ ...m, pausedAt: t0, deletedAt: t0 }, at(1), 'UTC').state).toBe('DELETED');
  });
  it('lists every configured port, UNKNOWN before its first check', () => {
    const s = {
      port: 22,
      phase: 'DOWN',
      since: t0,
      lastCheckAt: t0,
      lastOk: false,
      lastLatencyMs: null,
      lastErrorCode: 'ECONNREFUSED',
      lastErrorMessage: 'refused',
    };
    expect(portStatuses([21, 22], [s, { ...s, port: 99 }], t0).map((p) => [p.port, p.phase])).toEqual([
      [21, 'UNKNOWN'],
      [22, 'DOWN'],
    ]);
  });
});
