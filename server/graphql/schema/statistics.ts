// Yearly statistics per host (the seed's statistics page), from rollups and the ledger.
// Asked on every monitor of a page, they are loaded for the whole page at once.
import { getYearlyStatistics, type HostYearStatistics } from '../../services/statistics.ts';
import { ValidationError } from '../../services/errors.ts';
import { isTimeZone } from '../../services/logs.ts';
import { builder } from '../builder.ts';
import { loadBatched, viewerTimeZone } from './node-access.ts';

const HostYearStatisticsRef = builder.objectRef<HostYearStatistics>('HostYearStatistics').implement({
  description: "One host's figures for one year (in your time zone), from hourly rollups and the notification ledger.",
  fields: (t) => ({
    year: t.exposeInt('year'),
    host: t.exposeString('host'),
    contactName: t.exposeString('contactName'),
    contactPhone: t.exposeString('contactPhone', { nullable: true }),
    checks: t.exposeInt('checks', { description: 'Checks of every port (retries included), the current hour too.' }),
    failures: t.exposeInt('failures', {
      description: 'Checks that failed (a failure below the failure threshold counts here, not as downtime).',
    }),
    downtimeSeconds: t.exposeInt('downtimeSeconds', {
      description:
        'Time during which at least one port was DOWN, an incident open (per hour, the longest port outage; summed).',
    }),
    flappingSeconds: t.exposeInt('flappingSeconds', {
      description:
        'Time during which at least one port was FLAPPING (per hour, the longest; summed); counted apart from downtime.',
    }),
    monitoredHours: t.exposeInt('monitoredHours', { description: 'Hours with rollups.' }),
    availability: t.exposeFloat('availability', {
      nullable: true,
      description:
        'The share of checks that answered: (checks − failures) / checks (0…1); null without checks. Agrees with `failures` and `checks` by construction.',
    }),
    incidents: t.exposeInt('incidents'),
    mailsSent: t.exposeInt('mailsSent', { description: 'E-mails to the contact with status YES, READ or DELIVERED.' }),
    smsSent: t.exposeInt('smsSent', { description: 'SMS to the contact with status YES or DELIVERED.' }),
  }),
});

builder.prismaObjectField('Monitor', 'yearlyStatistics', (t) =>
  t.field({
    type: [HostYearStatisticsRef],
    description: 'Figures per year (only years with data), oldest first; one year with `year`.',
    args: {
      year: t.arg.int(),
      timeZone: t.arg.string({ description: "IANA time zone; default: your account's." }),
    },
    resolve: async (m, args, ctx) => {
      const timeZone = args.timeZone ?? (await viewerTimeZone(ctx));
      if (!isTimeZone(timeZone)) throw ValidationError.field('timeZone', 'Unknown time zone', 'UNKNOWN_TIME_ZONE');
      if (args.year != null && (args.year < 1970 || args.year > 9999))
        throw ValidationError.field('year', 'Not a year', 'OUT_OF_RANGE', { min: 1970, max: 9999 });
      const key = `statistics:${args.year ?? 'all'}:${timeZone}`;
      const rows = await loadBatched<string, HostYearStatistics[]>(ctx, key, m.id, async (ids) => {
        const all = await getYearlyStatistics(ctx.services, ctx.viewer, { monitorIds: ids, year: args.year, timeZone });
        const byMonitor = new Map<string, HostYearStatistics[]>(ids.map((id) => [id, []]));
        for (const r of all) byMonitor.get(r.monitorId)?.push(r);
        return byMonitor;
      });
      return rows ?? [];
    },
  }),
);
