// The monitor's health as the dashboard shows it: the server's word until a check is seen,
// then NORMAL or DELAYED by the age of the freshest check (2 × interval + timeout).
import { describe, expect, it } from 'vitest';
import { liveHealth } from '../../client/lib/port-status.ts';

const monitor = (state: 'NORMAL' | 'DELAYED' | 'WAITING', delayedSince: string | null = null) => ({
  deleted: false,
  paused: false,
  status: { state, delayedSince },
  policy: { intervalSec: 60, timeoutMs: 5_000 },
});
const at = Date.parse('2026-11-24T09:00:00.000Z');
const check = '2026-11-24T08:58:00.000Z'; // 120 s before `at`

describe('liveHealth', () => {
  it('keeps what the server said while no check was seen', () => {
    expect(liveHealth(monitor('WAITING'), null, at)).toEqual({
      state: 'WAITING',
      lastCheckAt: null,
      delayedSince: null,
    });
    expect(liveHealth(monitor('DELAYED', check), null, at).state).toBe('DELAYED');
  });

  it('is NORMAL up to 2 × interval + timeout after the last check, DELAYED after', () => {
    expect(liveHealth(monitor('WAITING'), check, at)).toEqual({
      state: 'NORMAL',
      lastCheckAt: check,
      delayedSince: null,
    });
    expect(liveHealth(monitor('NORMAL'), check, at + 5_000).state).toBe('NORMAL');
    expect(liveHealth(monitor('NORMAL'), check, at + 5_001)).toEqual({
      state: 'DELAYED',
      lastCheckAt: check,
      delayedSince: check,
    });
    expect(liveHealth(monitor('DELAYED', '2026-11-24T08:59:00.000Z'), check, at + 60_000).delayedSince).toBe(
      '2026-11-24T08:59:00.000Z',
    );
  });

  it('says DELETED or PAUSED whatever the checks', () => {
    expect(liveHealth({ ...monitor('NORMAL'), deleted: true }, check, at).state).toBe('DELETED');
    expect(liveHealth({ ...monitor('NORMAL'), paused: true }, check, at + 1e9).state).toBe('PAUSED');
  });
});
