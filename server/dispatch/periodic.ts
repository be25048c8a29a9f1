// A background pass run every `intervalMs`: the first at start, a pass never overlapping the
// previous one, a failed pass logged (the next one retries), and stop() waiting for the pass in
// progress. The reminder and the monthly SLA e-mail schedulers are two of these.
import type { Logger } from '../log.ts';

export interface PeriodicPass {
  start(): void;
  stop(): Promise<void>;
}

export function periodicPass(
  pass: () => Promise<unknown>,
  opts: { intervalMs: number; log: Logger; failure: string },
): PeriodicPass {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = pass()
      .then(
        () => undefined,
        (err: unknown) => opts.log('error', opts.failure, { err }),
      )
      .finally(() => {
        running = null;
      });
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(run, opts.intervalMs);
      timer.unref();
      run();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
