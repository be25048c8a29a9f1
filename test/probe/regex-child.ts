// Child of regex-bound.test.ts: runs the bounded regular-expression test in a loop for the
// given milliseconds (while its parent stops and continues it), then one catastrophic pattern,
// and prints what it saw as one JSON line.
import { boundedTest, type BoundedMatch } from '../../server/probe/checks/regex.ts';

const until = Date.now() + Number(process.argv[2]);
const counts: Record<BoundedMatch, number> = { match: 0, 'no-match': 0, timeout: 0, invalid: 0 };
let last = Date.now();
let longestGapMs = 0;
process.stdout.write('ready\n');
while (Date.now() < until) {
  counts[boundedTest('^(\\+PONG|-NOAUTH)', '+PONG\r\n', 50)]++;
  const now = Date.now();
  longestGapMs = Math.max(longestGapMs, now - last);
  last = now;
}
const started = Date.now();
const catastrophic = boundedTest('^(a+)+$', `${'a'.repeat(40)}b`, 50);
process.stdout.write(
  `${JSON.stringify({ counts, longestGapMs, catastrophic, catastrophicMs: Date.now() - started })}\n`,
);
