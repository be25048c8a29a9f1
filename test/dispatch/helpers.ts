// Rows and deps for the delivery suites, written straight through Prisma (no probe runtime):
// an account, its server and monitor, an open incident, and ledger rows as the probe would queue them.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../server/db/index.ts';
import type {
  Channel,
  Language,
  NotificationKind,
  NotificationStatus,
  RecipientRole,
} from '../../server/generated/prisma/enums.ts';
import { createEvents, type NotificationChangeEvent } from '../../server/events/events.ts';
import { createSignals } from '../../server/events/signals.ts';
import type { ServiceDeps } from '../../server/services/types.ts';
import { until as pollUntil } from '../helpers/poll.ts';

export const SECRET = 'test-installation-secret-0123456789';
export const PUBLIC_URL = 'https://pw.example.com';

export interface TestDeps extends ServiceDeps {
  /** Every notification change published, in order. */
  published: NotificationChangeEvent[];
  queuedCalls: number;
}

export function makeDeps(prisma: PrismaClient, over: Partial<ServiceDeps> = {}): TestDeps {
  const events = createEvents();
  const published: NotificationChangeEvent[] = [];
  const deps: TestDeps = {
    prisma,
    events: {
      ...events,
      notification: (e) => {
        published.push(e);
        events.notification(e);
      },
    },
    signals: createSignals(),
    now: () => new Date(),
    secret: SECRET,
    publicUrl: PUBLIC_URL,
    published,
    queuedCalls: 0,
    ...over,
  };
  deps.signals.notificationsQueued.on(() => {
    deps.queuedCalls += 1;
  });
  return deps;
}

export interface ScenarioOptions {
  language?: Language;
  timeZone?: string;
  ports?: number[];
  host?: string;
  reason?: string | null;
  openedAt?: Date;
  reminderEveryMin?: number | null;
  escalateAfterMin?: number | null;
  label?: string | null;
}

/** A customer with one monitored server and an open HOST_DOWN incident. */
export async function makeIncident(prisma: PrismaClient, o: ScenarioOptions = {}) {
  const tag = randomBytes(4).toString('hex');
  const account = await prisma.account.create({
    data: {
      loginId: `cust-${tag}`,
      name: `Customer ${tag}`,
      email: `cust-${tag}@example.com`,
      passwordHash: 'x',
      kind: 'HOSTING',
      language: o.language ?? 'en',
      timeZone: o.timeZone ?? 'Asia/Seoul',
    },
  });
  const ip = o.host ?? `203.0.${parseInt(tag.slice(0, 2), 16)}.${parseInt(tag.slice(2, 4), 16)}`;
  const server = await prisma.server.create({
    data: { ip, accountId: account.id, source: 'HOSTING_INVENTORY', label: o.label === undefined ? 'web-1' : o.label },
  });
  const ports = o.ports ?? [22, 80];
  const monitor = await prisma.monitor.create({
    data: {
      accountId: account.id,
      serverId: server.id,
      activeServerId: server.id,
      host: ip,
      ports,
      contactName: 'Ops',
      contactEmail: `ops-${tag}@example.com`,
      contactPhone: '+821012345678',
      reminderEveryMin: o.reminderEveryMin ?? null,
      escalateAfterMin: o.escalateAfterMin ?? null,
    },
  });
  const incident = await prisma.incident.create({
    data: {
      monitorId: monitor.id,
      accountId: account.id,
      host: ip,
      ports,
      openMonitorId: monitor.id,
      reason: o.reason === undefined ? 'connect ECONNREFUSED 203.0.113.5:22' : o.reason,
      openedAt: o.openedAt ?? new Date(),
    },
  });
  return { account, server, monitor, incident };
}

export interface RowSpec {
  channel: Channel;
  recipient: string;
  kind?: NotificationKind;
  seq?: number;
  role?: RecipientRole;
  language?: Language;
  status?: NotificationStatus;
  statusDetail?: string | null;
  accountId?: string | null;
  nextAttemptAt?: Date;
  createdAt?: Date;
}

/** Ledger rows for one incident (as the probe runtime queues them), returned in the given order. */
export async function queueRows(
  prisma: PrismaClient,
  incident: { id: string; accountId: string | null },
  specs: RowSpec[],
) {
  const rows = [];
  for (const s of specs) {
    rows.push(
      await prisma.notification.create({
        data: {
          incidentId: incident.id,
          accountId: s.accountId === undefined ? incident.accountId : s.accountId,
          kind: s.kind ?? 'DOWN',
          seq: s.seq ?? 0,
          channel: s.channel,
          recipient: s.recipient,
          recipientRole: s.role ?? 'CONTACT',
          language: s.language ?? 'en',
          status: s.status ?? 'QUEUED',
          statusDetail: s.statusDetail ?? null,
          ...(s.nextAttemptAt ? { nextAttemptAt: s.nextAttemptAt } : {}),
          ...(s.createdAt ? { createdAt: s.createdAt } : {}),
        },
      }),
    );
  }
  return rows;
}

/** Polls `check` until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return pollUntil(what, check, timeoutMs, 25);
}

export async function statusOf(prisma: PrismaClient, id: string) {
  return prisma.notification.findUniqueOrThrow({ where: { id }, include: { events: { orderBy: { id: 'asc' } } } });
}
