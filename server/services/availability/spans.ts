// Half-open time spans [from, to) in epoch milliseconds, and the little set arithmetic the
// availability needs: union, intersection with a window, subtraction, total length.

export interface Span {
  from: number;
  to: number;
}

/** Sorted, non-overlapping, non-empty spans covering the same time as `spans`. */
export function union(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.to > s.from).sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}

/** The parts of `spans` inside `window` (the result is a union when `spans` is). */
export function clip(spans: readonly Span[], window: Span): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const from = Math.max(s.from, window.from);
    const to = Math.min(s.to, window.to);
    if (to > from) out.push({ from, to });
  }
  return out;
}

/** `a` without the time covered by `b` (both unions: sorted, non-overlapping). */
export function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const s of a) {
    let from = s.from;
    while (j < b.length && b[j]!.to <= from) j++;
    let k = j;
    while (k < b.length && b[k]!.from < s.to) {
      const cut = b[k]!;
      if (cut.from > from) out.push({ from, to: cut.from });
      from = Math.max(from, cut.to);
      k++;
    }
    if (s.to > from) out.push({ from, to: s.to });
  }
  return out;
}

/** Total length in milliseconds of a union. */
export function total(spans: readonly Span[]): number {
  let sum = 0;
  for (const s of spans) sum += s.to - s.from;
  return sum;
}
