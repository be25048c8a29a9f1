// The time bound on customers' regular expressions (BANNER checks' REGEX match, the Redis preset)
// is wall time: a prober that is descheduled on a busy machine, or stopped, must not report a
// trivial match as BANNER_REGEX "ran out of time" on a healthy server; a catastrophic pattern
// must still be cut off. The child process is stopped (SIGSTOP) ten times for 120 ms, longer
// than the 50 ms bound, while it matches in a loop.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

it('a trivial pattern matches when the process is stopped past the bound; a catastrophic one still times out', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'regex-child.ts'), '3000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const closed = new Promise<number | null>((r) => child.on('close', r));
  while (!out.includes('ready\n')) await sleep(10);
  for (let i = 0; i < 10; i++) {
    child.kill('SIGSTOP');
    await sleep(120);
    child.kill('SIGCONT');
    await sleep(60);
  }
  expect(await closed).toBe(0);
  const seen = JSON.parse(out.split('\n')[1] ?? '{}') as {
    counts: Record<string, number>;
    longestGapMs: number;
    catastrophic: string;
    catastrophicMs: number;
  };
  // the stops landed inside the loop (else the test proves nothing)
  expect(seen.longestGapMs).toBeGreaterThanOrEqual(100);
  expect(seen.counts.match).toBeGreaterThan(0);
  expect(seen.counts).toMatchObject({ timeout: 0, 'no-match': 0, invalid: 0 });
  expect(seen.catastrophic).toBe('timeout');
}, 20_000);
