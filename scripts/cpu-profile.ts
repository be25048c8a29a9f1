// A V8 CPU profile of one phase of a bench, written as DIR/<name>.cpuprofile (open it in Chrome's
// DevTools or speedscope). Without a directory the phase just runs. `inspected` is the shared part:
// an inspector session around a phase, its result written as DIR/<name>.<ext> (alloc-profile.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export async function inspected<T, R>(
  dir: string | undefined,
  file: { name: string; ext: string },
  start: (session: Session) => Promise<void>,
  stop: (session: Session) => Promise<R>,
  fn: () => Promise<T>,
  after: (result: R) => void = () => {},
): Promise<T> {
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await start(session);
  try {
    return await fn();
  } finally {
    const result = await stop(session);
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/${file.name.replace(/[^a-z0-9]+/gi, '-')}.${file.ext}`, JSON.stringify(result));
    after(result);
    session.disconnect();
  }
}

export function profiled<T>(dir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  return inspected(
    dir,
    { name, ext: 'cpuprofile' },
    async (s) => {
      await s.post('Profiler.enable');
      await s.post('Profiler.start');
    },
    async (s) => (await s.post('Profiler.stop')).profile,
    fn,
  );
}
