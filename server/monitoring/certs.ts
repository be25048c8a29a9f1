// What TLS and HTTPS checks showed, kept per port: the Certificate rows (written when the
// certificate or its facts change, and hourly while they do not) and the expiry warnings
// (CERT_EXPIRING ledger rows, one per threshold per certificate). The probe path only calls
// observe(), which never waits; flush() writes on the runtime's timer. Across restarts nothing
// is sent twice: the certificate row keeps the last threshold warned, and the ledger's unique key
// (incident, kind, seq = threshold, channel, recipient) refuses a second row.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { TlsFacts } from '../probe/index.ts';
import { dueThreshold, warnDaysFor } from '../services/cert-warnings.ts';
import { ledgerRows } from '../services/notifications/rows.ts';
import type { LiveMonitor } from './model.ts';
import type { Signals } from '../events/signals.ts';

const REFRESH_MS = 3_600_000;
/** Observations written per flush (the rest wait for the next one): a first start with many
 * TLS ports must not turn into one long burst of transactions that starves the probe loop. */
const PER_FLUSH = 50;
const THRESHOLDS_TTL_MS = 60_000;

interface Known {
  fingerprint: string;
  shape: string;
  writtenAt: number;
  validTo: number;
  warned: number | null;
}

interface Pending {
  monitor: LiveMonitor;
  port: number;
  facts: TlsFacts;
  at: number;
}

/** The facts that, when they change, are written at once. */
const shape = (f: TlsFacts) =>
  `${f.fingerprint}|${f.protocol}|${f.cipher}|${f.trusted}|${f.trustError}|${f.checkedName}|${f.nameMatches}`;

export interface CertTrackerOptions {
  prisma: PrismaClient;
  log?: Logger;
  now?: () => number;
  signals?: Signals;
}

export class CertTracker {
  private readonly known = new Map<string, Known>();
  private pending = new Map<string, Pending>();
  private readonly thresholds = new Map<string, { days: number[]; at: number }>();
  private flushing: Promise<void> | undefined;
  warningsQueued = 0;

  constructor(private readonly o: CertTrackerOptions) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** One handshake's facts (from a check result). Cheap: decides in memory whether to write. */
  observe(m: LiveMonitor, port: number, facts: TlsFacts): void {
    const key = `${m.id}:${port}`;
    const at = this.now();
    const k = this.known.get(key);
    const days = this.thresholds.get(m.accountId)?.days;
    const stale = !k || k.shape !== shape(facts) || at - k.writtenAt >= REFRESH_MS;
    const due = k && days ? dueThreshold(days, facts.validTo, at, k.warned) !== null : true;
    if (stale || due) this.pending.set(key, { monitor: m, port, facts, at });
  }

  /** A monitor went away from this process (deleted, shard lost): forget its ports. */
  forget(monitorId: string): void {
    for (const key of [...this.known.keys()]) if (key.startsWith(`${monitorId}:`)) this.known.delete(key);
  }

  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Flushes until nothing is pending (stop, tests); gives up after a failed round. */
  async flushAll(): Promise<void> {
    for (let left = this.pending.size; left > 0; ) {
      await this.flush();
      if (this.pending.size >= left) return;
      left = this.pending.size;
    }
  }

  private async daysFor(accountId: string): Promise<number[]> {
    const c = this.thresholds.get(accountId);
    if (c && this.now() - c.at < THRESHOLDS_TTL_MS) return c.days;
    const days = await warnDaysFor(this.o.prisma, accountId);
    this.thresholds.set(accountId, { days, at: this.now() });
    return days;
  }

  private async write(): Promise<void> {
    const batch = [...this.pending.values()].slice(0, PER_FLUSH);
    for (const p of batch) this.pending.delete(`${p.monitor.id}:${p.port}`);
    let queued = 0;
    for (const p of batch) {
      // yield between transactions: PGlite answers on the main thread
      await new Promise<void>((r) => setImmediate(r));
      try {
        queued += await this.writeOne(p);
      } catch (err) {
        // keep it for the next flush unless a newer observation replaced it
        const key = `${p.monitor.id}:${p.port}`;
        if (!this.pending.has(key)) this.pending.set(key, p);
        this.o.log?.('warn', 'certificate write failed; kept for retry', {
          err,
          monitorId: p.monitor.id,
          port: p.port,
        });
      }
    }
    if (queued) {
      this.warningsQueued += queued;
      this.o.signals?.notificationsQueued.emit();
    }
  }

  /** Writes one observation; returns the number of ledger rows queued. */
  private async writeOne(p: Pending): Promise<number> {
    const { monitor: m, port, facts: f } = p;
    const days = await this.daysFor(m.accountId);
    const at = new Date(p.at);
    const { warned, queued } = await this.o.prisma.$transaction(async (tx) => {
      const data = {
        subject: f.subject,
        issuer: f.issuer,
        sans: f.sans,
        serialNumber: f.serialNumber,
        validFrom: new Date(f.validFrom),
        validTo: new Date(f.validTo),
        protocol: f.protocol,
        cipher: f.cipher,
        trusted: f.trusted,
        trustError: f.trustError,
        checkedName: f.checkedName,
        nameMatches: f.nameMatches,
        lastSeenAt: at,
        current: true,
      };
      const cert = await tx.certificate.upsert({
        where: { monitorId_port_fingerprint: { monitorId: m.id, port, fingerprint: f.fingerprint } },
        create: { ...data, monitorId: m.id, accountId: m.accountId, port, fingerprint: f.fingerprint, firstSeenAt: at },
        update: data,
      });
      // the port now shows this certificate: the others are history, their warnings closed
      const replaced = await tx.certificate.findMany({
        where: { monitorId: m.id, port, current: true, id: { not: cert.id } },
        select: { id: true, incidentId: true },
      });
      if (replaced.length) {
        await tx.certificate.updateMany({ where: { id: { in: replaced.map((r) => r.id) } }, data: { current: false } });
        const anchors = replaced.flatMap((r) => (r.incidentId ? [r.incidentId] : []));
        if (anchors.length)
          await tx.incident.updateMany({ where: { id: { in: anchors }, resolvedAt: null }, data: { resolvedAt: at } });
      }
      const due = dueThreshold(days, f.validTo, p.at, cert.warnedDays);
      if (due === null) return { warned: cert.warnedDays, queued: 0 };
      let incidentId = cert.incidentId;
      if (!incidentId) {
        incidentId = randomUUID();
        await tx.incident.create({
          data: {
            id: incidentId,
            kind: 'CERT_EXPIRY',
            monitorId: m.id,
            accountId: m.accountId,
            host: m.host,
            ports: [port],
            openedAt: at,
            reason: `certificate ${f.subject} (issuer ${f.issuer}) expires ${new Date(f.validTo).toISOString()}`,
          },
        });
      }
      const rows = ledgerRows({
        incidentId,
        kind: 'CERT_EXPIRING',
        accountId: m.accountId,
        contact: m.contact,
        admins: [],
        sendAfter: at,
      }).map((r) => ({ ...r, seq: due, createdAt: at }));
      const made = await tx.notification.createMany({ data: rows, skipDuplicates: true });
      await tx.certificate.update({ where: { id: cert.id }, data: { incidentId, warnedDays: due } });
      return { warned: due, queued: rows.filter((r) => r.status === 'QUEUED').length && made.count };
    });
    this.known.set(`${m.id}:${port}`, {
      fingerprint: f.fingerprint,
      shape: shape(f),
      writtenAt: p.at,
      validTo: f.validTo,
      warned,
    });
    return queued;
  }
}
