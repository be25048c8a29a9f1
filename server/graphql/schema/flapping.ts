// The flapping rule in the API: a port's FLAPPING flag and window figures (monitor detail and
// list, live monitorStatus), the incident's flapping mark, and the monitor's flap policy.
import type { PortFlapStatus } from '../../events/events.ts';
import { flapStatusFromRow, restoreIncidentFlap as restoreIncidentFlapJson } from '../../services/flapping.ts';
import type { PortStateRow } from '../../services/monitor-status.ts';
import { builder } from '../builder.ts';
import { PortStatusChange } from './live.ts';
import { MonitorPolicyRef, PortStatusRef } from './monitor.ts';

const PortFlapRef = builder.objectRef<PortFlapStatus>('PortFlap').implement({
  description: "The flapping rule's window of one port: its last checks (at most `window`).",
  fields: (t) => ({
    flapping: t.exposeBoolean('flapping', {
      description: "FLAPPING: the port fails and answers by turns (see the monitor's flap policy).",
    }),
    since: t.expose('flappingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'When it began to flap (null while stable).',
    }),
    checks: t.exposeInt('checks', { description: 'Checks in the window so far.' }),
    failed: t.exposeInt('failed', { description: 'Failed checks among them.' }),
    changes: t.exposeInt('changes', { description: 'Changes between failed and answered among them.' }),
    window: t.exposeInt('window', { description: "Checks the window holds (the policy's flapWindow)." }),
  }),
});

/** Live rows carry `flap`; persisted rows have their window's columns (figures over the saved history). */
function flapOf(s: PortStateRow): PortFlapStatus | null {
  if (s.flap) return s.flap;
  if (s.flapHistory === undefined) return null;
  return flapStatusFromRow({
    flapHistory: s.flapHistory,
    flapping: s.flapping ?? false,
    flappingSince: s.flappingSince ?? null,
  });
}

builder.objectFields(PortStatusRef, (t) => ({
  flapping: t.boolean({
    description: 'The port is FLAPPING (shown as a FLAPPING badge).',
    resolve: (s) => flapOf(s)?.flapping ?? false,
  }),
  flap: t.field({
    type: PortFlapRef,
    nullable: true,
    description: "The flapping window's figures; null before any check.",
    resolve: (s) => flapOf(s),
  }),
}));

builder.objectFields(PortStatusChange, (t) => ({
  flapping: t.boolean({ description: 'The port is FLAPPING.', resolve: (e) => e.flap?.flapping ?? false }),
  flap: t.field({ type: PortFlapRef, nullable: true, resolve: (e) => e.flap ?? null }),
}));

builder.objectFields(MonitorPolicyRef, (t) => ({
  flapEnabled: t.exposeBoolean('flapEnabled', { description: 'The flapping rule is on.' }),
  flapWindow: t.exposeInt('flapWindow', { description: 'Checks in the flapping window.' }),
  flapChanges: t.exposeInt('flapChanges', { description: 'Changes in the window that mean FLAPPING.' }),
  flapFailedPercent: t.exposeInt('flapFailedPercent', {
    description: 'Percent failed in the window (with ≥ 3 failure runs) that means FLAPPING.',
  }),
}));

builder.prismaObjectFields('Monitor', (t) => ({
  flapEnabled: t.exposeBoolean('flapEnabled', { nullable: true, description: 'Own value; null = the global default.' }),
  flapWindow: t.exposeInt('flapWindow', { nullable: true }),
  flapChanges: t.exposeInt('flapChanges', { nullable: true }),
  flapFailedPercent: t.exposeInt('flapFailedPercent', { nullable: true }),
}));

const IncidentFlapPortRef = builder
  .objectRef<{ port: number; checks: number; failed: number; changes: number; at: string }>('IncidentFlapPort')
  .implement({
    description:
      'A port of the incident that flapped: its window when it began ("port 22 failed 9 of the last 21 checks").',
    fields: (t) => ({
      port: t.exposeInt('port'),
      checks: t.exposeInt('checks'),
      failed: t.exposeInt('failed'),
      changes: t.exposeInt('changes'),
      at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.at) }),
    }),
  });

builder.prismaObjectFields('Incident', (t) => ({
  flapping: t.exposeBoolean('flapping', {
    description: 'A port of this incident was FLAPPING (the incident is marked flapping).',
  }),
  flapPorts: t.field({
    type: [IncidentFlapPortRef],
    select: { flapFigures: true },
    description: 'The ports that flapped, with their window when each began.',
    resolve: (i) => restoreIncidentFlapJson(i.flapFigures),
  }),
}));
