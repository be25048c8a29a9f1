// Where a phase of a bench allocates: V8's sampling heap profiler over the phase, counting every
// sampled allocation (also those already collected, by minor or major GC), written as
// DIR/<name>.heapprofile (Chrome's DevTools opens it) and summed by function on stderr. Without a
// directory the phase just runs.
import { inspected } from './cpu-profile.ts';

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

export function allocProfiled<T>(
  dir: string | undefined,
  name: string,
  fn: () => Promise<T>,
  say: (m: string) => void,
): Promise<T> {
  return inspected(
    dir,
    { name, ext: 'heapprofile' },
    async (s) => {
      await s.post('HeapProfiler.enable');
      await s.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    async (s) => (await s.post('HeapProfiler.stopSampling')).profile,
    fn,
    (profile) => {
      say(`allocations of ${name} by function (sampled bytes):`);
      for (const [k, v] of allocationsByFunction(profile.head as SamplingNode))
        say(`  ${String(v).padStart(12)}  ${k}`);
    },
  );
}
