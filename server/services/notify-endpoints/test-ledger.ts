// "Send a test notification" to one admin recipient through the ledger: a TEST incident (closed
// at once, listed nowhere) carries one QUEUED row, which the dispatcher sends like any other, so
// the settings page can follow it as it moves (QUEUED → SENDING → YES → DELIVERED / READ, or
// FAILED / NOT_SENT with the reason) and its timeline is the real one.
import type { Channel, Notification } from '../../generated/prisma/client.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { requireAdmin } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';

export async function queueRecipientTest(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: { recipientId: string; channel: Channel },
): Promise<Notification> {
  requireAdmin(viewer);
  const r = await deps.prisma.adminRecipient.findUnique({ where: { id: opts.recipientId } });
  if (!r) throw new NotFoundError('Admin recipient');
  const to =
    opts.channel === 'EMAIL' ? r.email : opts.channel === 'SMS' || opts.channel === 'ALIMTALK' ? r.phone : null;
  if (opts.channel !== 'EMAIL' && opts.channel !== 'SMS' && opts.channel !== 'ALIMTALK') {
    throw ValidationError.field(
      ['channel'],
      'Choose EMAIL, SMS or ALIMTALK (destinations have their own test)',
      'ONE_OF',
      { values: 'EMAIL, SMS, ALIMTALK' },
    );
  }
  if (!to)
    throw ValidationError.field(
      ['channel'],
      opts.channel === 'EMAIL' ? 'This recipient has no e-mail address' : 'This recipient has no mobile number',
      'REQUIRED',
    );
  const now = deps.now();
  const row = await deps.prisma.$transaction(async (tx) => {
    const incident = await tx.incident.create({
      data: { kind: 'TEST', host: 'test', ports: [], openedAt: now, resolvedAt: now },
    });
    return tx.notification.create({
      data: {
        incidentId: incident.id,
        kind: 'TEST',
        channel: opts.channel,
        recipient: to,
        recipientRole: 'ADMIN',
        language: r.language,
        status: 'QUEUED',
        nextAttemptAt: now,
        createdAt: now,
      },
    });
  });
  deps.signals.notificationsQueued.emit();
  return row;
}
