// The probe's opened incidents and their ledger rows in one statement each: the rows travel as one
// JSON parameter and jsonb_to_recordset unpacks them in the database. Prisma's createMany took
// 1.6–2 s for 1,000 incidents and 2,000 ledger rows (a burst's commit, the first part of every
// message's hand-off); this takes 0.16 s on PostgreSQL and 0.7 s on PGlite (README, Notifications).
// Same rows as createMany with skipDuplicates: ON CONFLICT DO NOTHING on any unique key, defaults
// as Prisma fills them (a cuid-shaped id in creation order, createdAt = updatedAt = one instant).
import { randomBytes } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.ts';
import type { LedgerRow } from '../services/notifications/rows.ts';
import type { IncidentOpen } from './store.ts';

type Tx = Pick<Prisma.TransactionClient, '$executeRaw'>;

let counter = 0;
/**
 * A cuid-shaped id ('c', time, counter, random; 25 characters) that sorts in creation order
 * within this process, as Prisma's cuid() does: claims take equally due rows by id.
 */
export function ledgerId(now: number = Date.now()): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(-12);
  return `c${now.toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0')}${random}`;
}

/** Opened incidents (openMonitorId = monitorId for a host incident); returns the rows inserted. */
export async function insertIncidents(tx: Tx, rows: IncidentOpen[]): Promise<number> {
  if (rows.length === 0) return 0;
  const json = JSON.stringify(
    rows.map((o) => ({
      id: o.id,
      kind: o.kind,
      monitorId: o.monitorId,
      accountId: o.accountId,
      host: o.host,
      ports: o.ports,
      reason: o.reason,
      openedAt: o.openedAt,
      openMonitorId: o.kind === 'HOST_DOWN' ? o.monitorId : null,
      flapping: Boolean(o.flapFigures?.length),
      flapFigures: o.flapFigures?.length ? o.flapFigures : null,
    })),
  );
  return tx.$executeRaw`
    INSERT INTO "Incident" ("id","kind","monitorId","accountId","host","ports","reason","openedAt","openMonitorId","flapping","flapFigures")
    SELECT "id", "kind"::"IncidentKind", "monitorId", "accountId", "host", "ports", "reason", "openedAt", "openMonitorId", "flapping", "flapFigures"
    FROM jsonb_to_recordset(${json}::jsonb) AS x("id" text, "kind" text, "monitorId" text, "accountId" text, "host" text,
      "ports" int[], "reason" text, "openedAt" timestamp(3), "openMonitorId" text, "flapping" boolean, "flapFigures" jsonb)
    ON CONFLICT DO NOTHING`;
}

/** Ledger rows; a row already there (same incident, kind, seq, channel, recipient) is skipped. Returns the rows inserted. */
export async function insertLedger(tx: Tx, rows: LedgerRow[], now: Date = new Date()): Promise<number> {
  if (rows.length === 0) return 0;
  const at = now.getTime();
  const json = JSON.stringify(
    rows.map((l) => ({
      id: ledgerId(at),
      incidentId: l.incidentId,
      accountId: l.accountId,
      kind: l.kind,
      seq: l.seq,
      channel: l.channel,
      recipient: l.recipient,
      recipientRole: l.recipientRole,
      language: l.language,
      status: l.status,
      statusDetail: l.statusDetail,
      nextAttemptAt: l.nextAttemptAt,
      endpointId: l.endpointId ?? null,
    })),
  );
  return tx.$executeRaw`
    INSERT INTO "Notification" ("id","incidentId","accountId","kind","seq","channel","recipient","recipientRole","language",
      "status","statusDetail","nextAttemptAt","endpointId","createdAt","updatedAt")
    SELECT "id", "incidentId", "accountId", "kind"::"NotificationKind", "seq", "channel"::"Channel", "recipient",
      "recipientRole"::"RecipientRole", "language"::"Language", "status"::"NotificationStatus", "statusDetail",
      "nextAttemptAt", "endpointId", ${now}, ${now}
    FROM jsonb_to_recordset(${json}::jsonb) AS x("id" text, "incidentId" text, "accountId" text, "kind" text, "seq" int,
      "channel" text, "recipient" text, "recipientRole" text, "language" text, "status" text, "statusDetail" text,
      "nextAttemptAt" timestamp(3), "endpointId" text)
    ON CONFLICT DO NOTHING`;
}
