// Where a phase of a bench allocates: V8's sampling heap profiler over the phase, counting every
// sampled allocation (also those already collected, by minor or major GC), written as
// DIR/<name>.heapprofile (Chrome's DevTools opens it) and summed by function on stderr. Without a
// directory the phase just runs.
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Allocated bytes by function (self), largest first. */
export function allocationsByFunction(root: SamplingNode, top = 25): [string, number][] {
  const by = new Map<string, number>();
  const walk = (n: SamplingNode): void => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules\/|server\/|scripts\/)/, '$1')}:${f.lineNumber + 1}`;
    if (n.selfSize > 0) by.set(key, (by.get(key) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c);
  };
  walk(root);
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top);
}

export async function allocProfiled<T>(
  dir: string | undefined,
  name: string,
  fn: () => Promise<T>,
  say: (m: string) => void,
): Promise<T> {
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/${name.replace(/[^a-z0-9]+/gi, '-')}.heapprofile`, JSON.stringify(profile));
    const rows = allocationsByFunction(profile.head as SamplingNode);
    say(`allocations of ${name} by function (sampled bytes):`);
    for (const [k, v] of rows) say(`  ${String(v).padStart(12)}  ${k}`);
    session.disconnect();
  }
}
