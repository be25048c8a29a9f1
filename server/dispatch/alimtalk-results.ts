// AlimTalk delivery results. NHN accepts a message at once; whether Kakao delivered it (or the
// recipient is no KakaoTalk user, blocked AlimTalk, the template did not match …) is known seconds
// later through the result query. A pass every `intervalMs` asks for the rows sent (YES) in the
// last `windowMs` and applies the answer like an SMS delivery report: DELIVERED, or FAILED with
// Kakao's reason (then the SMS fallback follows, fallback.ts). Rows still pending are asked again
// at the next pass; after the window they stay YES ("sent", no result).
import type { AlimtalkProvider } from '../notify/alimtalk/nhn.ts';
import type { Logger } from '../log.ts';
import type { ServiceDeps } from '../services/types.ts';
import { applySignal } from '../services/notifications/ledger.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now'>;

export interface ResultPassOptions {
  /** Ask only for messages sent at least this long ago (default 5 s). */
  minAgeMs?: number;
  /** Stop asking after this long (default 30 min). */
  windowMs?: number;
  limit?: number;
}

export async function pollAlimtalkResults(
  deps: Deps,
  provider: AlimtalkProvider,
  opts: ResultPassOptions = {},
): Promise<{ asked: number; delivered: number; failed: number }> {
  const now = deps.now().getTime();
  const rows = await deps.prisma.notification.findMany({
    where: {
      channel: 'ALIMTALK',
      status: 'YES',
      providerMessageId: { not: null },
      sentAt: { lte: new Date(now - (opts.minAgeMs ?? 5_000)), gte: new Date(now - (opts.windowMs ?? 30 * 60_000)) },
    },
    select: { id: true, providerMessageId: true },
    orderBy: { sentAt: 'asc' },
    take: opts.limit ?? 100,
  });
  const out = { asked: rows.length, delivered: 0, failed: 0 };
  for (const r of rows) {
    const result = await provider.queryResult(r.providerMessageId ?? '');
    if (result.state !== 'DELIVERED' && result.state !== 'FAILED') continue;
    const applied = await applySignal(deps, {
      notificationId: r.id,
      signal: result.state === 'DELIVERED' ? 'report-delivered' : 'report-failed',
      detail: `KakaoTalk result: ${result.detail}`,
      raw: result.raw,
    });
    if (applied.found && applied.changed) out[result.state === 'DELIVERED' ? 'delivered' : 'failed'] += 1;
  }
  return out;
}

export interface ResultPoller {
  start(): void;
  stop(): Promise<void>;
  /** One pass now (tests). */
  runOnce(): Promise<void>;
}

export function createAlimtalkResultPoller(
  deps: Deps,
  provider: AlimtalkProvider,
  opts: ResultPassOptions & { intervalMs?: number; log?: Logger; onFailed?: () => void } = {},
): ResultPoller {
  const log = opts.log ?? (() => {});
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    if (running) return running;
    running = pollAlimtalkResults(deps, provider, opts)
      .then(
        (r) => {
          if (r.failed) opts.onFailed?.();
        },
        (err: unknown) => log('warn', 'alimtalk: result pass failed', { err }),
      )
      .finally(() => (running = null));
    return running;
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void runOnce(), opts.intervalMs ?? 15_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    runOnce,
  };
}
