// A V8 CPU profile of one phase of a bench, written as DIR/<name>.cpuprofile (open it in Chrome's
// DevTools or speedscope). Without a directory the phase just runs.
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export async function profiled<T>(dir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}
