// The monthly SLA report (issue 17): per customer and per host, the month in the customer's time
// zone, availability (the one definition: services/availability) against the customer's target,
// the incidents with their durations and causes, down minutes, breach marked. Admins: every
// customer's, worst availability first.
import type { Prisma } from '../../generated/prisma/client.ts';
import { type Availability, availabilityOver } from '../availability/index.ts';
import { monthSpan } from '../availability/zone.ts';
import { causeOf, LOAD_CHUNK } from '../availability/load.ts';
import { NotFoundError } from '../errors.ts';
import { isAdmin } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import { checkMonth } from './month.ts';
import { defaultSlaTarget } from './target.ts';

export interface SlaIncident {
  id: string;
  openedAt: Date;
  resolvedAt: Date | null;
  /** Inside the month (an incident across a month boundary counts its part). */
  durationSeconds: number;
  cause: string;
  ports: number[];
}

export interface SlaHost {
  monitorId: string;
  host: string;
  label: string | null;
  availability: Availability;
  breached: boolean;
  incidents: SlaIncident[];
}

export interface SlaReport {
  accountId: string;
  accountName: string;
  loginId: string;
  month: string;
  timeZone: string;
  language: 'ko' | 'en';
  from: Date;
  to: Date;
  targetPercent: number;
  /** Every host together: observed and down time summed over hosts. */
  overall: { observedSeconds: number; downSeconds: number; excludedSeconds: number; ratio: number | null };
  breached: boolean;
  hosts: SlaHost[];
}

const breach = (ratio: number | null, target: number) => ratio !== null && ratio * 100 < target;

interface AccountRow {
  id: string;
  name: string;
  loginId: string;
  timeZone: string;
  language: 'ko' | 'en';
  slaTargetPercent: number | null;
}

async function reportsFor(deps: ServiceDeps, accounts: AccountRow[], month: string): Promise<SlaReport[]> {
  if (accounts.length === 0) return [];
  const fallback = await defaultSlaTarget(deps.prisma);
  const byZone = new Map<string, AccountRow[]>();
  for (const a of accounts) {
    let list = byZone.get(a.timeZone);
    if (!list) byZone.set(a.timeZone, (list = []));
    list.push(a);
  }
  const out: SlaReport[] = [];
  for (const [timeZone, list] of byZone) {
    const span = monthSpan(month, timeZone);
    const from = new Date(span.from);
    const to = new Date(span.to);
    // the accounts in chunks: one statement's bind parameters stay bounded however many customers
    const monitors = [];
    for (let k = 0; k < list.length; k += LOAD_CHUNK) {
      const alive: Prisma.MonitorWhereInput = {
        accountId: { in: list.slice(k, k + LOAD_CHUNK).map((a) => a.id) },
        createdAt: { lt: to },
        OR: [{ deletedAt: null }, { deletedAt: { gt: from } }],
      };
      monitors.push(
        ...(await deps.prisma.monitor.findMany({
          where: alive,
          select: { id: true, accountId: true, host: true, server: { select: { label: true } } },
          orderBy: [{ hostOrder: 'asc' }, { id: 'asc' }],
        })),
      );
    }
    const monitorsOf = new Map<string, typeof monitors>();
    for (const m of monitors) {
      let own = monitorsOf.get(m.accountId);
      if (!own) monitorsOf.set(m.accountId, (own = []));
      own.push(m);
    }
    const ids = monitors.map((m) => m.id);
    const [figures] = await availabilityOver(deps, ids, [{ from, to }]);
    const incidents = [];
    for (let k = 0; k < ids.length; k += LOAD_CHUNK)
      incidents.push(
        ...(await deps.prisma.incident.findMany({
          where: {
            kind: 'HOST_DOWN',
            monitorId: { in: ids.slice(k, k + LOAD_CHUNK) },
            openedAt: { lt: to },
            OR: [{ resolvedAt: null }, { resolvedAt: { gt: from } }],
          },
          select: {
            id: true,
            monitorId: true,
            openedAt: true,
            resolvedAt: true,
            reason: true,
            flapping: true,
            ports: true,
          },
          orderBy: { openedAt: 'asc' },
        })),
      );
    const incidentsOf = new Map<string, typeof incidents>();
    for (const i of incidents) {
      if (!i.monitorId) continue;
      let list = incidentsOf.get(i.monitorId);
      if (!list) incidentsOf.set(i.monitorId, (list = []));
      list.push(i);
    }
    const now = deps.now().getTime();
    const figureOf = new Map((figures ?? []).map((f) => [f.monitorId, f]));
    for (const a of list) {
      const target = a.slaTargetPercent ?? fallback;
      const hosts: SlaHost[] = (monitorsOf.get(a.id) ?? []).flatMap((m) => {
        const availability = figureOf.get(m.id);
        if (!availability) return [];
        return [
          {
            monitorId: m.id,
            host: m.host,
            label: m.server.label,
            availability,
            breached: breach(availability.ratio, target),
            incidents: (incidentsOf.get(m.id) ?? []).map((i) => {
              const end = Math.min(i.resolvedAt?.getTime() ?? now, span.to, now);
              const start = Math.max(i.openedAt.getTime(), span.from);
              return {
                id: i.id,
                openedAt: i.openedAt,
                resolvedAt: i.resolvedAt,
                durationSeconds: Math.max(0, Math.round((end - start) / 1000)),
                cause: causeOf(i),
                ports: i.ports,
              };
            }),
          },
        ];
      });
      const observed = hosts.reduce((s, h) => s + h.availability.observedSeconds, 0);
      const down = hosts.reduce((s, h) => s + h.availability.downSeconds, 0);
      const excluded = hosts.reduce((s, h) => s + h.availability.excludedSeconds, 0);
      const ratio = observed > 0 ? (observed - down) / observed : null;
      out.push({
        accountId: a.id,
        accountName: a.name,
        loginId: a.loginId,
        month,
        timeZone,
        language: a.language,
        from,
        to,
        targetPercent: target,
        overall: { observedSeconds: observed, downSeconds: down, excludedSeconds: excluded, ratio },
        breached: hosts.some((h) => h.breached),
        hosts,
      });
    }
  }
  return out;
}

const accountSelect = {
  id: true,
  name: true,
  loginId: true,
  timeZone: true,
  language: true,
  slaTargetPercent: true,
} as const;

/** One customer's report: the viewer's own (admins: any customer's with `accountId`). */
export async function monthlySlaReport(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { month: string; accountId?: string | null },
): Promise<SlaReport> {
  const accountId = opts.accountId ?? viewer.accountId;
  if (accountId !== viewer.accountId && !isAdmin(viewer)) throw new NotFoundError('Account');
  const account = await deps.prisma.account.findUnique({ where: { id: accountId }, select: accountSelect });
  if (!account) throw new NotFoundError('Account');
  checkMonth(opts.month, deps.now(), account.timeZone);
  const [report] = await reportsFor(deps, [account], opts.month);
  return report!;
}

/**
 * One account's report without a viewer: the monthly e-mail (the dispatcher renders it when it
 * sends; the account asked for it). null when the account is gone.
 */
export async function accountSlaReport(deps: ServiceDeps, accountId: string, month: string): Promise<SlaReport | null> {
  const account = await deps.prisma.account.findUnique({ where: { id: accountId }, select: accountSelect });
  if (!account) return null;
  const [report] = await reportsFor(deps, [account], month);
  return report ?? null;
}

/** Admins: every customer's report for the month, worst overall availability first (no data last). */
export async function allSlaReports(deps: ServiceDeps, viewer: Viewer, month: string): Promise<SlaReport[]> {
  if (!isAdmin(viewer)) throw new NotFoundError('Account');
  checkMonth(month, deps.now(), 'Pacific/Kiritimati'); // the earliest zone: no customer's month is refused
  const accounts = await deps.prisma.account.findMany({ where: { role: 'CUSTOMER' }, select: accountSelect });
  const reports = await reportsFor(deps, accounts, month);
  return reports.sort((a, b) => (a.overall.ratio ?? 2) - (b.overall.ratio ?? 2) || a.loginId.localeCompare(b.loginId));
}
