// Tenant-scoped live events. A customer subscribes to its own scope; an admin to all.
import { ADMIN_SCOPE, type IncidentEvent } from '../../services/events.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

/** The pubsub scope the viewer may listen on: its own account, or everything for admins. */
export function viewerScope(ctx: GraphQLContext): string {
  if (!ctx.viewer) throw new Error('viewerScope needs a signed-in viewer');
  return ctx.viewer.role === 'ADMIN' ? ADMIN_SCOPE : ctx.viewer.accountId;
}

const IncidentChangeKind = builder.enumType('IncidentChangeKind', {
  values: ['OPENED', 'UPDATED', 'ACKNOWLEDGED', 'RESOLVED'] as const,
});

export const IncidentChange = builder.objectRef<IncidentEvent>('IncidentChange').implement({
  fields: (t) => ({
    incidentId: t.exposeID('incidentId'),
    change: t.expose('change', { type: IncidentChangeKind }),
  }),
});

builder.subscriptionField('incidentChanged', (t) =>
  t.field({
    type: IncidentChange,
    authScopes: { signedIn: true },
    description: 'Incidents opened, updated, acknowledged or resolved on your monitors (all monitors for admins).',
    subscribe: (_root, _args, ctx) => ctx.services.events.pubsub.subscribe('incident', viewerScope(ctx)),
    resolve: (e) => e,
  }),
);
