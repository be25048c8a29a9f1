// AlimTalk → SMS/LMS fallback. When an AlimTalk row ends FAILED (refused at send, a Kakao delivery
// failure such as "not a KakaoTalk user" or "blocked", no template code, gave up after retries) or
// NO because AlimTalk is not configured, the recipient gets the SMS instead: the SMS ledger row of
// the same (incident, kind, seq, number) becomes the fallback, linked by fallbackForId.
//  - no SMS row yet                        → a new QUEUED SMS row
//  - an SMS row that is NO (switch off)    → it is queued, as the fallback
//  - an SMS row on its way or sent already → nothing to do (the number gets the SMS anyway); noted
// A sweep finds such AlimTalk rows (fallbackAt IS NULL) and decides each once, in a transaction
// that first sets fallbackAt with a conditional update: two processes, a restart or a crash between
// the AlimTalk outcome and the fallback never lose nor double the SMS.
import type { Prisma } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/types.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now' | 'signals'>;

export interface FallbackResult {
  decided: number;
  queued: number;
}

interface Candidate {
  id: string;
  incidentId: string;
  accountId: string | null;
  kind: Prisma.NotificationCreateManyInput['kind'];
  seq: number;
  recipient: string;
  recipientRole: Prisma.NotificationCreateManyInput['recipientRole'];
  language: Prisma.NotificationCreateManyInput['language'];
  statusDetail: string | null;
  status: Prisma.NotificationCreateManyInput['status'] & string;
}

export async function runAlimtalkFallback(deps: Deps, opts: { limit?: number } = {}): Promise<FallbackResult> {
  const rows = await deps.prisma.notification.findMany({
    where: {
      channel: 'ALIMTALK',
      fallbackAt: null,
      OR: [{ status: 'FAILED' }, { status: 'NOT_SENT', attempts: { gt: 0 } }],
    },
    select: {
      id: true,
      incidentId: true,
      accountId: true,
      kind: true,
      seq: true,
      recipient: true,
      recipientRole: true,
      language: true,
      statusDetail: true,
      status: true,
    },
    orderBy: { updatedAt: 'asc' },
    take: opts.limit ?? 200,
  });
  const result: FallbackResult = { decided: 0, queued: 0 };
  for (const at of rows) {
    const out = await decideOne(deps, at);
    if (!out) continue;
    result.decided += 1;
    if (out.queued) {
      result.queued += 1;
      deps.events.notification({
        notificationId: out.queued,
        incidentId: at.incidentId,
        accountId: at.accountId,
        status: 'QUEUED',
      });
    }
  }
  if (result.queued) deps.signals.notificationsQueued.emit();
  return result;
}

async function decideOne(deps: Deps, at: Candidate): Promise<{ queued: string | null } | null> {
  const now = deps.now();
  const reason = at.statusDetail ?? 'AlimTalk failed';
  return deps.prisma.$transaction(async (tx) => {
    const mine = await tx.notification.updateMany({
      where: { id: at.id, fallbackAt: null },
      data: { fallbackAt: now },
    });
    if (mine.count === 0) return null;
    const key = {
      incidentId: at.incidentId,
      kind: at.kind,
      seq: at.seq,
      channel: 'SMS' as const,
      recipient: at.recipient,
    };
    const sms = await tx.notification.findUnique({
      where: { incidentId_kind_seq_channel_recipient: key },
      select: { id: true, status: true, attempts: true, fallbackForId: true },
    });
    const detail = `SMS fallback for KakaoTalk AlimTalk: ${reason}`;
    if (!sms) {
      const created = await tx.notification.create({
        data: {
          ...key,
          accountId: at.accountId,
          recipientRole: at.recipientRole,
          language: at.language,
          status: 'QUEUED',
          nextAttemptAt: now,
          createdAt: now,
          fallbackForId: at.id,
        },
        select: { id: true },
      });
      await tx.notificationEvent.createMany({
        data: [
          { notificationId: created.id, at: now, status: 'QUEUED', detail },
          { notificationId: at.id, at: now, status: at.status, detail: 'SMS fallback queued' },
        ],
      });
      return { queued: created.id };
    }
    if (sms.status === 'NO' && sms.attempts === 0 && !sms.fallbackForId) {
      const u = await tx.notification.updateMany({
        where: { id: sms.id, status: 'NO', attempts: 0 },
        data: { status: 'QUEUED', statusDetail: detail, nextAttemptAt: now, fallbackForId: at.id, updatedAt: now },
      });
      if (u.count === 1) {
        await tx.notificationEvent.createMany({
          data: [
            { notificationId: sms.id, at: now, status: 'QUEUED', detail },
            { notificationId: at.id, at: now, status: at.status, detail: 'SMS fallback queued' },
          ],
        });
        return { queued: sms.id };
      }
    }
    await tx.notificationEvent.create({
      data: {
        notificationId: at.id,
        at: now,
        status: at.status,
        detail: `no SMS fallback needed: this number's SMS is already ${sms.status}`,
      },
    });
    return { queued: null };
  });
}
