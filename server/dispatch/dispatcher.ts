// The dispatcher: claims due ledger rows (claim.ts), renders them (content.ts), sends them
// through its channel (e-mail, SMS, AlimTalk, Slack, Telegram, webhook), and records each attempt (outcomes.ts).
// It runs on its own timer, wakes early on kick() (the notificationsQueued signal: the probe runtime, the services),
// and keeps a bounded number of sends in flight per channel, so a slow or dead provider only
// slows its own channel and never the probe loop. Delivery is at least once; see README.
import type { Channel } from '../generated/prisma/enums.ts';
import type { Logger } from '../log.ts';
import type { EmailChannel } from '../notify/email.ts';
import type { SmsProvider } from '../notify/sms/provider.ts';
import type { SendOutcome } from '../notify/types.ts';
import type { ServiceDeps } from '../services/types.ts';
import {
  claimDueWithBacklog,
  nextDueAt,
  reclaimExpired,
  releaseClaims,
  type Claimed,
  type ClaimedRow,
  type IncidentForMessage,
} from './claim.ts';
import { alertContent, buildEmail, buildSms, trackingUrls } from './content.ts';
import { createExtraSender, type ExtraChannels } from './channels.ts';
import { runAlimtalkFallback } from './fallback.ts';
import { slaReportEmail } from './sla-mail.ts';
import { createOutcomeWriter, decideOutcome, type DecidePolicy } from './outcomes.ts';
import { laneBounds, laneLimit } from './lane-size.ts';

export const NO_SMTP_DETAIL = 'not sent: no SMTP server configured';

/** Rows claimed per statement, as a multiple of the lane's sends in flight. */
const CLAIM_AHEAD = 16;

export interface DispatcherOptions {
  /** null: SMTP is not configured; e-mail rows become NO "not sent: no SMTP server configured". */
  email: EmailChannel | null;
  sms: SmsProvider;
  /** AlimTalk, Slack, Telegram, webhooks (each optional: unconfigured rows become NO). */
  extra?: ExtraChannels;
  /** Attempts per message before FAILED "gave up after N attempts" (default 10). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a claim holds a row; must exceed the channels' own timeouts (default 120 s). */
  leaseMs?: number;
  /** Poll for due retries and expired leases this often (default 2 s). */
  pollMs?: number;
  /** Sends in flight per channel (default EMAIL 8, SMS 16, the others 8). */
  concurrency?: Partial<Record<Channel, number>>;
  /**
   * Sends in flight a channel may grow to while its claimed rows queue up behind a slow server
   * (lane-size.ts; default EMAIL DEFAULT_EMAIL_MAX, the others their `concurrency`). For e-mail
   * these are SMTP connections: the pool must allow as many.
   */
  maxConcurrency?: Partial<Record<Channel, number>>;
  smsAckLink?: boolean;
  log?: Logger;
  random?: () => number;
  /**
   * This process in the registry (../cluster/nodes.ts): claims carry its id, and rows claimed by a
   * node known dead (silent for `deadAfterMs`, or restarted) are taken back without waiting for
   * their lease. Without it claims are anonymous and only the lease frees them.
   */
  node?: { nodeId: string; deadAfterMs: number };
}

export interface Dispatcher {
  start(): void;
  /** Wakes the dispatcher now (rows were queued). */
  kick(): void;
  /** Stops claiming, lets sends in flight finish and their outcomes be written, hands back the rest. */
  stop(): Promise<void>;
  /** Resolves when nothing is due, queued locally, in flight or unwritten (tests, benchmark). */
  settle(timeoutMs?: number): Promise<void>;
  /** Runs the AlimTalk → SMS fallback pass now (after AlimTalk delivery results came in); it also runs on every poll. */
  fallbackNow(): Promise<void>;
}

/**
 * A claimed row waiting for a slot. It is started only while at least half its lease is left: a row
 * that waited longer (a starved process, a slow channel) is handed back unsent, because its lease
 * may run out mid-send and the row be reclaimed and sent again — by another process or by this one.
 */
interface Queued extends Claimed {
  startBy: number;
}

interface Lane {
  channel: Channel;
  /** Sends in flight now: `base`, more while a backlog waits on a slow server (laneLimit). */
  limit: number;
  base: number;
  max: number;
  /** Time per send, smoothed (ms). */
  sendMs: number;
  /** Claimed rows waiting for a slot, each with the time after which it must not be started. */
  queue: Queued[];
  inFlight: number;
  /**
   * Outcomes of this lane's finished sends that are not yet written and no longer hold a slot. A
   * message in flight or in here left without its ledger saying so: a crash resends it. Sends wait
   * while this reaches the lane's limit, so at most twice the limit can be resent after a crash,
   * however far the ledger writes fall behind (a starved database, a slow disk).
   */
  unwritten: number;
  /** Rows claimed per statement, as a multiple of `limit` (CLAIM_AHEAD; 1 after a hand-back, growing again). */
  ahead: number;
  /** Hand-backs of stale claims under way (the lane claims again after them). */
  handingBack: number;
  claiming: boolean;
  /** The last claim found fewer rows than it asked for: wait for a kick, the poll or the wake timer. */
  dry: boolean;
  /** Due rows the last claim left in the database (counted only for a lane that can grow). */
  waiting: number;
  wakeTimer: NodeJS.Timeout | null;
  wakePlanned: boolean;
  /** When this lane last asked the database for rows (the newer channels' lanes poll at most once a second). */
  lastClaimAt: number;
}

export function createDispatcher(deps: ServiceDeps, opts: DispatcherOptions): Dispatcher {
  const log: Logger = opts.log ?? (() => {});
  const policy: DecidePolicy = {
    maxAttempts: opts.maxAttempts ?? 10,
    retryBaseMs: opts.retryBaseMs ?? 10_000,
    retryMaxMs: opts.retryMaxMs ?? 900_000,
  };
  const leaseMs = opts.leaseMs ?? 120_000;
  const pollMs = opts.pollMs ?? 2_000;
  const build = { publicUrl: deps.publicUrl, secret: deps.secret, smsAckLink: opts.smsAckLink ?? true };
  const extra = createExtraSender(deps.prisma, opts.extra ?? {});
  const lanes: Lane[] = (['EMAIL', 'SMS', 'ALIMTALK', 'SLACK', 'TELEGRAM', 'WEBHOOK'] as const).map((channel) => {
    const { base, max } = laneBounds(channel, opts.concurrency?.[channel], opts.maxConcurrency?.[channel]);
    return {
      channel,
      limit: base,
      base,
      max,
      sendMs: 0,
      queue: [],
      inFlight: 0,
      unwritten: 0,
      handingBack: 0,
      ahead: CLAIM_AHEAD,
      claiming: false,
      dry: false,
      waiting: 0,
      wakeTimer: null,
      wakePlanned: false,
      lastClaimAt: 0,
    };
  });
  const writer = createOutcomeWriter({
    prisma: deps.prisma,
    events: deps.events,
    onError: (err, rows) => log('error', 'dispatch: writing send outcomes failed; will retry', { err, rows }),
  });
  let timer: NodeJS.Timeout | null = null;
  let stopSignal: (() => void) | undefined;
  let running = false;
  let stopping = false;
  let ticking = false;
  let claimedTotal = 0;

  async function send(row: ClaimedRow, incident: IncidentForMessage): Promise<SendOutcome> {
    try {
      if (row.channel === 'EMAIL') {
        if (!opts.email) return { status: 'NOT_SENT', detail: NO_SMTP_DETAIL };
        if (row.kind === 'SLA_REPORT') {
          const msg = await slaReportEmail(deps, row);
          return 'status' in msg ? msg : await opts.email.send(msg);
        }
        return await opts.email.send({ ledgerId: row.id, to: row.recipient, ...buildEmail(row, incident, build) });
      }
      if (row.channel === 'SMS')
        return await opts.sms.send({ ledgerId: row.id, to: row.recipient, text: buildSms(row, incident, build) });
      return await extra.send(
        row,
        alertContent(row, incident, trackingUrls(build.publicUrl, build.secret, row.id), build),
      );
    } catch (err) {
      // channels return outcomes for provider trouble; a throw is our bug (or bad data): do not loop on it
      log('error', 'dispatch: channel threw', { err, notificationId: row.id });
      return {
        status: 'FAILED',
        detail: `internal error while sending: ${err instanceof Error ? err.message : String(err)}`,
        raw: null,
      };
    }
  }

  async function handle(lane: Lane, { row, incident }: Claimed): Promise<void> {
    const started = performance.now();
    const outcome = await send(row, incident);
    // accepted sends only: a server that times out or refuses is not a reason to open more connections
    if (outcome.status === 'SENT') {
      const took = performance.now() - started;
      lane.sendMs = lane.sendMs === 0 ? took : lane.sendMs * 0.8 + took * 0.2;
    }
    const decided = decideOutcome(row, outcome, deps.now(), policy, opts.random);
    if (decided.status === 'FAILED' || decided.status === 'QUEUED') {
      log(decided.status === 'FAILED' ? 'warn' : 'info', 'dispatch: not sent', {
        notificationId: row.id,
        channel: lane.channel,
        attempt: row.attempts,
        detail: decided.statusDetail,
      });
    }
    const written = writer.write(decided).catch((err: unknown) =>
      log('error', 'dispatch: outcome lost (the lease will expire and the row be resent)', {
        err,
        notificationId: row.id,
      }),
    );
    if (row.channel === 'ALIMTALK' && (decided.status === 'FAILED' || decided.status === 'NOT_SENT'))
      void written.then(() => fallback());
    // the slot is free once the outcome is buffered, unless the lane's unwritten outcomes already
    // number its limit: then this send keeps its slot until its outcome is written (the ledger must
    // not fall behind the sends by more than that, see Lane.unwritten)
    if (lane.unwritten >= lane.limit) {
      await written;
      return;
    }
    lane.unwritten += 1;
    void written.finally(() => {
      lane.unwritten -= 1;
      pump(lane);
    });
  }

  async function claim(lane: Lane): Promise<void> {
    // claim ahead (fewer, larger statements: each claim is one round trip whatever its size); a
    // claimed row waits at most a few dozen sends for its slot, well inside its lease
    // rows handed back stale (handBack) shrink the claim-ahead; claims that drain in time grow it back
    const want = Math.max(lane.limit, lane.limit * lane.ahead) - lane.queue.length;
    if (want <= 0) return;
    lane.ahead = Math.min(CLAIM_AHEAD, lane.ahead + 1);
    lane.lastClaimAt = Date.now();
    const now = deps.now();
    const { claimed: rows, waiting } = await claimDueWithBacklog(deps.prisma, {
      channel: lane.channel,
      limit: want,
      now,
      leaseMs,
      nodeId: opts.node?.nodeId ?? null,
      // a lane that can grow sizes itself from the backlog (lane-size.ts); enough to ask for its maximum
      countUpTo: lane.max > lane.base ? lane.max * CLAIM_AHEAD : 0,
    });
    lane.waiting = waiting;
    if (rows.length < want) {
      lane.dry = true;
      void planWake(lane);
    }
    if (rows.length === 0) return;
    claimedTotal += rows.length;
    for (const { row: r } of rows)
      deps.events.notification({
        notificationId: r.id,
        incidentId: r.incidentId,
        accountId: r.accountId,
        status: 'SENDING',
      });
    const startBy = now.getTime() + leaseMs / 2;
    for (const r of rows) lane.queue.push({ ...r, startBy });
  }

  /** Rows that waited past their start-by time go back to QUEUED unsent (attempt not counted), due now. */
  function handBack(lane: Lane, stale: Queued[]): void {
    log('warn', 'dispatch: claimed rows waited too long for a slot; handed back unsent', {
      channel: lane.channel,
      rows: stale.length,
    });
    lane.handingBack += 1;
    lane.ahead = 1;
    void releaseClaims(
      deps.prisma,
      stale.map((q) => ({ id: q.row.id, attempts: q.row.attempts })),
    )
      .catch((err: unknown) =>
        log('warn', 'dispatch: handing back claimed rows failed; their lease will expire', { err }),
      )
      .finally(() => {
        lane.handingBack -= 1;
        lane.dry = false;
        pump(lane);
      });
  }

  function pump(lane: Lane): void {
    if (!running) return;
    lane.limit = laneLimit({ ...lane, queued: lane.queue.length });
    const stale: Queued[] = [];
    while (!stopping && lane.inFlight < lane.limit && lane.unwritten < lane.limit && lane.queue.length > 0) {
      const next = lane.queue.shift()!;
      if (deps.now().getTime() > next.startBy) {
        stale.push(next);
        continue;
      }
      lane.inFlight += 1;
      void handle(lane, next).finally(() => {
        lane.inFlight -= 1;
        pump(lane);
      });
    }
    if (stale.length > 0) handBack(lane, stale);
    if (stopping || lane.claiming || lane.dry || lane.handingBack > 0 || lane.queue.length >= lane.limit) return;
    lane.claiming = true;
    void claim(lane)
      .catch((err: unknown) => {
        lane.dry = true;
        log('error', 'dispatch: claiming rows failed', { err, channel: lane.channel });
      })
      .finally(() => {
        lane.claiming = false;
        pump(lane);
      });
  }

  /** A lane ran dry: wake it when its next row falls due, if that is before the next poll. */
  async function planWake(lane: Lane): Promise<void> {
    if (lane.wakePlanned) return;
    lane.wakePlanned = true;
    try {
      const due = await nextDueAt(deps.prisma, lane.channel);
      if (!due || stopping) return;
      const inMs = due.getTime() - deps.now().getTime();
      if (inMs >= pollMs) return;
      if (lane.wakeTimer) clearTimeout(lane.wakeTimer);
      lane.wakeTimer = setTimeout(() => {
        lane.wakeTimer = null;
        lane.dry = false;
        pump(lane);
      }, Math.max(0, inMs) + 5);
      lane.wakeTimer.unref();
    } catch (err) {
      log('warn', 'dispatch: could not look up the next due row', { err });
    } finally {
      lane.wakePlanned = false;
    }
  }

  function kick(): void {
    for (const lane of lanes) {
      lane.dry = false;
      pump(lane);
    }
  }

  // The periodic poll (other processes' rows, expired leases) re-asks the mail and SMS lanes every
  // poll and the newer channels' lanes at most once a second: six lanes must not cost six claims
  // per poll. Rows queued here wake every lane at once (kick); due retries wake their lane (planWake).
  const extraPollMs = Math.max(pollMs, 1_000);
  function pollLanes(): void {
    const now = Date.now();
    for (const lane of lanes) {
      if (lane.channel !== 'EMAIL' && lane.channel !== 'SMS' && lane.dry && now - lane.lastClaimAt < extraPollMs)
        continue;
      lane.dry = false;
      pump(lane);
    }
  }

  let lastFallbackAt = 0;

  let fallingBack: Promise<void> | null = null;
  /** AlimTalk rows that failed get their SMS (fallback.ts); runs after such an outcome and on every poll. */
  function fallback(): Promise<void> {
    if (fallingBack || stopping) return fallingBack ?? Promise.resolve();
    fallingBack = runAlimtalkFallback(deps)
      .then(
        () => undefined,
        (err: unknown) => log('error', 'dispatch: AlimTalk fallback pass failed; next poll retries', { err }),
      )
      .finally(() => (fallingBack = null));
    return fallingBack;
  }

  async function tick(): Promise<void> {
    if (ticking || stopping) return;
    ticking = true;
    try {
      const reclaimed = await reclaimExpired(deps.prisma, {
        now: deps.now(),
        maxAttempts: policy.maxAttempts,
        ...(opts.node ? { nodeId: opts.node.nodeId, deadAfterMs: opts.node.deadAfterMs } : {}),
      });
      for (const r of reclaimed) {
        log('warn', 'dispatch: interrupted send reclaimed (lease expired or its process is gone)', {
          notificationId: r.id,
          attempts: r.attempts,
          status: r.status,
        });
        deps.events.notification({
          notificationId: r.id,
          incidentId: r.incidentId,
          accountId: r.accountId,
          status: r.status,
        });
      }
    } catch (err) {
      log('error', 'dispatch: reclaiming expired rows failed', { err });
    } finally {
      ticking = false;
    }
    pollLanes();
    // after the claims, so a slow pass never delays mail or SMS
    if (Date.now() - lastFallbackAt >= extraPollMs) {
      lastFallbackAt = Date.now();
      void fallback();
    }
  }

  const quiet = () =>
    lanes.every((l) => l.dry && !l.claiming && l.handingBack === 0 && l.inFlight === 0 && l.queue.length === 0) &&
    writer.pending() === 0 &&
    !fallingBack;

  return {
    start() {
      if (running) return;
      running = true;
      stopSignal = deps.signals.notificationsQueued.on(kick);
      stopping = false;
      timer = setInterval(() => void tick(), pollMs);
      timer.unref();
      void tick();
    },
    kick,
    fallbackNow: () => fallback(),
    async settle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // quiet, then one more claim round that finds nothing
      for (;;) {
        const before = claimedTotal;
        await fallback();
        kick();
        do {
          if (Date.now() > deadline) throw new Error('dispatcher did not settle in time');
          await new Promise((r) => setTimeout(r, 10));
        } while (!quiet());
        if (claimedTotal === before) return;
      }
    },
    async stop() {
      if (!running) return;
      stopping = true;
      stopSignal?.();
      if (timer) clearInterval(timer);
      timer = null;
      for (const lane of lanes) if (lane.wakeTimer) clearTimeout(lane.wakeTimer);
      while (lanes.some((l) => l.inFlight > 0 || l.claiming || l.handingBack > 0) || ticking || fallingBack)
        await new Promise((r) => setTimeout(r, 10));
      await writer.stop();
      const unstarted = lanes.flatMap((l) =>
        l.queue.splice(0).map((q) => ({ id: q.row.id, attempts: q.row.attempts })),
      );
      await releaseClaims(deps.prisma, unstarted).catch((err: unknown) =>
        log('warn', 'dispatch: handing back claimed rows failed; their lease will expire', { err }),
      );
      running = false;
    },
  };
}
