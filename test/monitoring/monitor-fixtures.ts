// One monitor and a bare engine for the engine's unit tests (compact-monitor, flapping-engine): the
// alerting defaults with the flapping rule's, contact Kim by mail only, and an engine with no
// database, no scheduler and no grouping wait. Not a test file itself.
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_FLAP_POLICY,
  DEFAULT_GUARD_POLICY,
  type MaintenanceWindow,
} from '../../server/alerting/index.ts';
import { createEvents } from '../../server/events/events.ts';
import { Engine } from '../../server/monitoring/engine.ts';
import type { CompactFields } from '../../server/monitoring/compact-monitor.ts';
import type { AdminRecipientInfo } from '../../server/services/notifications/rows.ts';

/** Monitor `mon1` of account `acc1` on 203.0.113.5 (everything but its alert state). */
export function monitorFields(
  ports: number[],
  o: { intervalMs?: number; maintenance?: MaintenanceWindow[] } = {},
): CompactFields {
  return {
    id: 'mon1',
    accountId: 'acc1',
    host: '203.0.113.5',
    ports,
    intervalMs: o.intervalMs ?? 180_000,
    retryIntervalMs: 30_000,
    timeoutMs: 5_000,
    policy: { ...DEFAULT_ALERT_POLICY, maintenance: o.maintenance ?? [], flapping: { ...DEFAULT_FLAP_POLICY } },
    contact: {
      name: 'Kim',
      email: 'kim@example.com',
      phone: null,
      mailEnabled: true,
      smsEnabled: false,
      language: 'ko',
    },
    openIncidentId: null,
    incidentPorts: [],
    incidentFlap: [],
  };
}

/** The probe engine alone: events to nowhere, the default guard, these admins. */
export function bareEngine(admins: AdminRecipientInfo[] = []): Engine {
  return new Engine({
    events: createEvents(),
    guardPolicy: DEFAULT_GUARD_POLICY,
    admins: () => admins,
    groupingWaitMaxMs: null,
    setRetryMode: () => {},
    runNow: () => {},
    nodeId: 'test',
  });
}
