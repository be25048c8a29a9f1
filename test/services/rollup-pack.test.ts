// Packing hourly rollups into day rows in the process (tests' fixtures, the bench): a figure the
// same in every hour with a rollup is one element, an irregular hour keeps 24, and unpacking gives
// back every hour as written (hours without a rollup stay absent).
import { describe, expect, it } from 'vitest';
import { packDays, unpackDay } from '../../server/services/rollups/pack.ts';
import type { RollupRow } from '../../server/services/types.ts';

const HOUR = 3_600_000;
const DAY = Date.UTC(2026, 2, 1);

function hour(h: number, over: Partial<RollupRow> = {}): RollupRow {
  return {
    monitorId: 'm',
    port: 80,
    hour: new Date(DAY + h * HOUR),
    checks: 20,
    failures: 20,
    latencySumMs: 0,
    latencyCount: 0,
    latencyMinMs: null,
    latencyMaxMs: null,
    downSeconds: 3_600,
    flapSeconds: 0,
    ...over,
  };
}

describe('packDays / unpackDay', () => {
  it('stores a figure the same in every hour once, also across a gap', () => {
    const rows = Array.from({ length: 24 }, (_, h) => hour(h)).filter((r) => r.hour.getTime() !== DAY + 9 * HOUR);
    const [day] = packDays(rows);
    expect(day).toMatchObject({ checks: [20], failures: [20], downSeconds: [3_600], flapSeconds: null });
    expect(day!.hours).toBe((1 << 24) - 1 - (1 << 9));
    expect(unpackDay(day!)).toEqual(rows);
  });

  it('keeps 24 values when one hour differs, and reads every hour back', () => {
    const rows = Array.from({ length: 24 }, (_, h) =>
      h === 7
        ? hour(h, {
            checks: 19,
            failures: 18,
            latencyCount: 1,
            latencySumMs: 2.5,
            latencyMinMs: 2.5,
            latencyMaxMs: 2.5,
          })
        : hour(h),
    );
    const [day] = packDays(rows);
    expect(day!.checks).toHaveLength(24);
    expect(day!.failures).toHaveLength(24);
    expect(day!.downSeconds).toEqual([3_600]);
    expect(unpackDay(day!)).toEqual(rows);
  });
});
