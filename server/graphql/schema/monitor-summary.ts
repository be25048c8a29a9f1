// The summary cards, counted on the server over everything the viewer may see.
import { monitorSummary, type MonitorSummary } from '../../services/monitor-summary.ts';
import { builder } from '../builder.ts';
import { filterNodeId } from './node-access.ts';

const MonitorSummaryRef = builder.objectRef<MonitorSummary>('MonitorSummary').implement({
  description:
    'Counts over every live monitor you may see (customers: your account; admins: the installation, or one customer with `accountId`), never a page or a filter. Deleted monitors are not counted.',
  fields: (t) => ({
    monitors: t.exposeInt('monitors', { description: 'Live monitors (paused included).' }),
    paused: t.exposeInt('paused'),
    failing: t.exposeInt('failing', {
      description: 'Unpaused monitors with a port SUSPECT, DOWN, RECOVERING or FLAPPING.',
    }),
    down: t.exposeInt('down', {
      description: 'Unpaused monitors with a port DOWN or RECOVERING (an incident is open).',
    }),
    ports: t.exposeInt('ports', { description: 'Configured ports of live monitors.' }),
    portsUp: t.exposeInt('portsUp', { description: 'Ports of unpaused monitors in phase UP and not flapping.' }),
    portsFailing: t.exposeInt('portsFailing', {
      description: 'Ports of unpaused monitors SUSPECT, DOWN, RECOVERING or FLAPPING.',
    }),
    portsOther: t.exposeInt('portsOther', { description: 'The rest: paused, in maintenance, or not checked yet.' }),
  }),
});

builder.queryField('monitorSummary', (t) =>
  t.field({
    type: MonitorSummaryRef,
    authScopes: { signedIn: true },
    description:
      "The summary cards: counts over all your live monitors (admins: every customer's, or one with `accountId`).",
    args: { accountId: t.arg.id({ description: 'Admins: one customer (Account id). Ignored for customers.' }) },
    resolve: (_r, args, ctx) => monitorSummary(ctx.services, ctx.viewer, filterNodeId(args.accountId, 'Account')),
  }),
);
