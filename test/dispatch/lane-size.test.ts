// How many sends a lane keeps in flight (server/dispatch/lane-size.ts): sized from the whole
// backlog (claimed and still waiting in the database), kept while claimed rows are left to start,
// back to the base once the backlog is gone.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMAIL_MAX, laneLimit, type LaneLoad } from '../../server/dispatch/lane-size.ts';

const mail = (o: Partial<LaneLoad>): LaneLoad => ({
  limit: 8,
  base: 8,
  max: DEFAULT_EMAIL_MAX,
  sendMs: 250,
  queued: 0,
  inFlight: 0,
  waiting: 0,
  dry: false,
  ...o,
});

describe('lane size', () => {
  it('a burst behind a slow server takes its maximum at the first measured send, counting the rows still in the database', () => {
    // 1,000 mails at 250 ms each: 250 s of sends; the lane holds one claim's 128 of them
    expect(laneLimit(mail({ queued: 120, inFlight: 8, waiting: 872 }))).toBe(DEFAULT_EMAIL_MAX);
    // 50 mails behind the same server: as many slots as drain them in a second
    expect(laneLimit(mail({ queued: 42, inFlight: 8, waiting: 0 }))).toBe(13);
  });

  it('a fast server, or none measured yet, keeps the base', () => {
    expect(laneLimit(mail({ sendMs: 5, queued: 120, inFlight: 8, waiting: 872 }))).toBe(8);
    expect(laneLimit(mail({ sendMs: 0, queued: 120, inFlight: 8, waiting: 872 }))).toBe(8);
    // a fast server on a busy machine (40 ms a send, the process's own wait): the rows held decide
    expect(laneLimit(mail({ sendMs: 40, queued: 120, inFlight: 8, waiting: 872 }))).toBe(8);
  });

  it('keeps its slots while claimed rows wait to start, even once the database is drained', () => {
    // the last claim came back short with 124 rows queued: they go out over all 128 slots
    expect(laneLimit(mail({ limit: 128, dry: true, sendMs: 208, queued: 124, inFlight: 128 }))).toBe(128);
    // while claims come back full the queue refilling does not shrink it either
    expect(laneLimit(mail({ limit: 128, sendMs: 208, queued: 10, inFlight: 128 }))).toBe(128);
  });

  it('back to the base once every claimed row has started and the database is drained', () => {
    expect(laneLimit(mail({ limit: 128, dry: true, sendMs: 208, queued: 0, inFlight: 20 }))).toBe(8);
    expect(laneLimit(mail({ limit: 128, dry: true, sendMs: 208, queued: 0, inFlight: 0 }))).toBe(8);
  });

  it('a lane without room to grow stays at its base', () => {
    expect(laneLimit(mail({ max: 8, queued: 120, inFlight: 8, waiting: 872 }))).toBe(8);
  });
});
