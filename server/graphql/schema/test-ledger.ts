// Admin: a test message to one admin recipient through the ledger (services/notify-endpoints/
// test-ledger.ts); the settings page follows the row with node(id).
import { queueRecipientTest } from '../../services/notify-endpoints/test-ledger.ts';
import { builder } from '../builder.ts';
import { ChannelEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { readable, requireNodeId } from './node-access.ts';

builder.mutationField('queueRecipientTest', (t) =>
  t.prismaField({
    type: 'Notification',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description:
      'Admin: queues a TEST message to one admin recipient (EMAIL, SMS or ALIMTALK) through the notification ledger. Follow it with node(id): status QUEUED → SENDING → YES → DELIVERED / READ, or FAILED / NOT_SENT with statusDetail, and its events.',
    args: { recipient: t.arg.id({ required: true }), channel: t.arg({ type: ChannelEnum, required: true }) },
    resolve: async (query, _r, args, ctx) => {
      const row = await queueRecipientTest(ctx.services, ctx.viewer, {
        recipientId: requireNodeId(String(args.recipient), 'AdminRecipient', 'Admin recipient'),
        channel: args.channel,
      });
      return ctx.services.prisma.notification.findUniqueOrThrow({ ...readable(query), where: { id: row.id } });
    },
  }),
);
