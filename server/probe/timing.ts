import type { AdaptiveTick } from './types.ts';

/**
 * Stable 32-bit hash of a key: FNV-1a over UTF-16 code units, then the
 * murmur3 finaliser so that sequential keys ("port:1", "port:2"...) also
 * spread over the low bits. Changing this function moves every target's
 * phase once (one bunched round after deploy): keep it stable.
 */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The target's offset inside its interval: hash(key) mod intervalMs. */
export function phaseOf(key: string, intervalMs: number): number {
  return hashKey(key) % intervalMs;
}

/** Smallest t >= from with t ≡ phase (mod intervalMs). */
export function alignedAtOrAfter(from: number, phase: number, intervalMs: number): number {
  const r = (((phase - from) % intervalMs) + intervalMs) % intervalMs;
  return from + r;
}

/** Smallest t > from with t ≡ phase (mod intervalMs). */
export function alignedAfter(from: number, phase: number, intervalMs: number): number {
  const t = alignedAtOrAfter(from, phase, intervalMs);
  return t > from ? t : t + intervalMs;
}

/**
 * The scheduler's tick (ms) at a planned rate of `checksPerMs`: a fixed tick as given; an
 * adaptive one (types.ts AdaptiveTick) as checksPerTick / checksPerMs, between its bounds
 * (whole ms; its maximum when nothing is planned).
 */
export function tickFor(tick: number | AdaptiveTick, checksPerMs: number): number {
  if (typeof tick === 'number') return Math.max(0, tick);
  const stretched = checksPerMs > 0 ? tick.checksPerTick / checksPerMs : tick.maxMs;
  return Math.round(Math.min(tick.maxMs, Math.max(tick.minMs, stretched)));
}

export interface LatenessSummary {
  /** Samples in this window. */
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Lateness samples since the last `take()`. Exact up to `cap` samples, then a
 * uniform reservoir of `cap` samples (max and count stay exact), so memory is
 * bounded even with a million checks between two reads.
 */
export class LatenessWindow {
  private samples: number[] = [];
  private seen = 0;
  private max = 0;

  constructor(private readonly cap = 100_000) {}

  add(ms: number): void {
    this.seen++;
    if (ms > this.max) this.max = ms;
    if (this.samples.length < this.cap) {
      this.samples.push(ms);
    } else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.samples[j] = ms;
    }
  }

  take(): LatenessSummary {
    const s = this.samples.sort((a, b) => a - b);
    const rank = (p: number): number => (s.length === 0 ? 0 : (s[Math.ceil(p * s.length) - 1] ?? 0));
    const out = { count: this.seen, p50: rank(0.5), p99: rank(0.99), max: this.max };
    this.samples = [];
    this.seen = 0;
    this.max = 0;
    return out;
  }
}
