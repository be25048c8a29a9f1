// The nightly retention job: every process checks every 10 minutes; at the configured UTC hour
// one of them claims the night's run through the Setting table (a conditional upsert: exactly one
// process wins, even with several on one PostgreSQL) and applies the policy in bounded batches.
import type { PrismaClient } from '../../db/index.ts';
import { ensurePartitions } from '../../db/partitions.ts';
import { applyRetention, type RetentionResult } from './apply.ts';
import { getRetentionPolicy } from './policy.ts';

export interface RetentionJobOptions {
  prisma: PrismaClient;
  now?: () => Date;
  /** UTC hour at which the night's run starts (default 18: 03:00 in Korea). */
  hourUtc?: number;
  checkEveryMs?: number;
  log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

const LAST_RUN = 'retentionLastRun';

export interface LastRun extends Partial<RetentionResult> {
  startedAt: string;
  finishedAt?: string;
}

/** Claims the run for `now` when no run started in the last 20 hours; true when this caller won. */
export async function claimRun(prisma: PrismaClient, now: Date): Promise<boolean> {
  const value = JSON.stringify({ startedAt: now.toISOString() });
  const won = await prisma.$queryRaw<{ key: string }[]>`
    INSERT INTO "Setting" ("key", "value", "updatedAt") VALUES (${LAST_RUN}, ${value}::jsonb, ${now})
    ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updatedAt" = EXCLUDED."updatedAt"
    WHERE ("Setting"."value" ->> 'startedAt')::timestamptz < ${now}::timestamptz - interval '20 hours'
    RETURNING "key"`;
  return won.length > 0;
}

export async function lastRetentionRun(prisma: PrismaClient): Promise<LastRun | null> {
  const row = await prisma.setting.findUnique({ where: { key: LAST_RUN } });
  return row && typeof row.value === 'object' && row.value !== null && 'startedAt' in row.value
    ? (row.value as unknown as LastRun)
    : null;
}

export function startRetentionJob(opts: RetentionJobOptions): { stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const hour = opts.hourUtc ?? 18;
  let stopped = false;
  let running: Promise<void> | undefined;
  const tick = async () => {
    const at = now();
    // every process keeps the next months' partitions created (cheap when they exist); a failure
    // here is logged and tried again at the next tick, and does not skip the nightly run
    try {
      const created = await ensurePartitions(opts.prisma, at);
      if (created.length) opts.log('info', 'partitions created', { created });
    } catch (err) {
      opts.log('warn', 'creating the next partitions failed (tried again in 10 minutes)', { err });
    }
    if (at.getUTCHours() !== hour || !(await claimRun(opts.prisma, at))) return;
    const started = Date.now();
    const result = await applyRetention(opts.prisma, await getRetentionPolicy(opts.prisma), at, {
      stopped: () => stopped,
    });
    const finished: LastRun = { startedAt: at.toISOString(), finishedAt: now().toISOString(), ...result };
    await opts.prisma.setting.update({ where: { key: LAST_RUN }, data: { value: { ...finished } } });
    opts.log('info', 'retention applied', { ...result, ms: Date.now() - started });
  };
  const run = () => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => opts.log('warn', 'retention run failed (tried again tomorrow night)', { err }))
      .finally(() => {
        running = undefined;
      });
  };
  run(); // at start: the partitions at once (the run itself only in its hour)
  const timer = setInterval(run, opts.checkEveryMs ?? 600_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
