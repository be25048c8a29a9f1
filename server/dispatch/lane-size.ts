// How many sends a dispatcher lane keeps in flight: its base, or — behind a slow server with a
// backlog — as many as drain that backlog within DRAIN_TARGET_MS at the measured time per send, up
// to its maximum. For the mail lane these are SMTP connections.

import type { Channel } from '../generated/prisma/enums.ts';

/**
 * SMTP connections one dispatcher may hold open during a burst (DISPATCH_EMAIL_MAX_CONCURRENCY's
 * default; README, Notifications). A relay that allows fewer answers a further connection with
 * 421, and the pool (../notify/smtp-pool.ts) then stays at what it accepted without failing a message.
 */
export const DEFAULT_EMAIL_MAX = 128;

/** Sends a lane keeps in flight normally (DISPATCH_*_CONCURRENCY's defaults): SMS 16, every other channel 8. */
export const defaultConcurrency = (channel: Channel): number => (channel === 'SMS' ? 16 : 8);

/**
 * A lane's base and maximum sends in flight from the settings (unset: the defaults above; only the
 * mail lane grows by default). The dispatcher's lanes and the SMTP pool's size (setup.ts) use it.
 */
export function laneBounds(
  channel: Channel,
  concurrency?: number,
  maxConcurrency?: number,
): { base: number; max: number } {
  const base = Math.max(1, concurrency ?? defaultConcurrency(channel));
  return { base, max: Math.max(base, maxConcurrency ?? (channel === 'EMAIL' ? DEFAULT_EMAIL_MAX : base)) };
}

/** A lane whose backlog would take longer than this to drain at its measured time per send opens more slots. */
export const DRAIN_TARGET_MS = 1_000;

export interface LaneLoad {
  /** Sends in flight now (the limit last set). */
  limit: number;
  base: number;
  max: number;
  /** Time per accepted send, smoothed (ms; 0 before the first). */
  sendMs: number;
  /** Claimed rows waiting for a slot. */
  queued: number;
  inFlight: number;
  /** Due rows of the channel still in the database, as the lane's last claim counted them. */
  waiting: number;
  /** The last claim found fewer rows than it asked for (the backlog is gone). */
  dry: boolean;
}

/**
 * The lane's sends in flight: as many as drain the whole backlog — claimed (queued and in flight)
 * and still waiting in the database — within DRAIN_TARGET_MS at the measured time per send, between
 * its base and its maximum. Sized from the database's backlog, a burst behind a slow server takes
 * the connections it needs at the first measured send rather than growing claim by claim. A fast
 * server keeps the base (1,000 mails at 5 ms each are 5 s of sends: 5 slots drain them in a second).
 * It shrinks only once a claim found the database drained (`dry`) and the lane has started every row
 * it claimed: until then it keeps what it has. Its queue refills only when it runs low and must not
 * shrink the limit each time it does; and the last claimed rows must not be left to ever fewer slots
 * (sized from what is left, the limit would fall with it, and the tail drain at a trickle). Slots
 * beyond a lower limit just finish; the pool's spare connections close when idle.
 */
export function laneLimit(l: LaneLoad): number {
  if (l.max <= l.base) return l.base;
  const floor = l.dry && l.queued === 0 ? l.base : l.limit;
  // the rows it holds decide whether the server is slow (a fast one on a busy machine measures tens
  // of ms a send: over a large backlog that alone must not open connections, they only add CPU)
  const held = Math.ceil(((l.queued + l.inFlight) * l.sendMs) / DRAIN_TARGET_MS);
  if (held <= floor) return Math.min(l.max, floor);
  // then the whole backlog decides how far
  const want = Math.ceil(((l.queued + l.inFlight + l.waiting) * l.sendMs) / DRAIN_TARGET_MS);
  return Math.min(l.max, Math.max(floor, want));
}
