// Mutation acknowledgeIncident. The Incident object type itself lives in incident.ts; this module
// refers to it by its Prisma model name only. The id is the Incident's global (relay) ID.
import { acknowledgeIncident } from '../../services/notifications/acknowledge.ts';
import { ConflictError, NotFoundError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { readable } from './node-access.ts';
import { requireNodeId } from './node-access.ts';

builder.mutationField('acknowledgeIncident', (t) =>
  t.prismaField({
    type: 'Incident',
    description:
      'Acknowledges an open incident: no more reminders, no escalation. Idempotent. A customer may acknowledge only its own incidents (others are NOT_FOUND); a resolved incident is a CONFLICT.',
    authScopes: { signedIn: true },
    errors: { types: [NotFoundError, ConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const viewer = ctx.viewer;
      if (!viewer) throw new NotFoundError('incident');
      const { id } = await acknowledgeIncident(ctx.services, viewer, {
        incidentId: requireNodeId(String(args.id), 'Incident', 'incident'),
      });
      return ctx.services.prisma.incident.findUniqueOrThrow({ ...readable(query), where: { id } });
    },
  }),
);
