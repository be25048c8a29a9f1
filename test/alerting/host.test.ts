import { describe, expect, it } from 'vitest';
import {
  closeHost,
  evaluateHost,
  initialHostState,
  reconcileHost,
  reevaluateHeld,
  removePort,
  type HostAction,
  type HostState,
  type PortPhase,
  type Transition,
} from '../../server/alerting/index.ts';
import { T0, persisted } from './fixtures.ts';

type Call =
  | { down: number; held?: boolean }
  | { up: number; held?: boolean }
  | { remove: number }
  | { close: 'MONITOR_PAUSED' | 'MONITOR_DELETED' }
  | { release: Record<number, PortPhase>; held?: boolean }
  | { reconcile: Record<number, PortPhase>; held?: boolean };

interface Step {
  call: Call;
  expectActions: HostAction[];
  expectState?: Partial<HostState>;
}

function apply(state: HostState, call: Call): Transition<HostState, HostAction> {
  const ctx = { now: T0, alertsHeld: 'held' in call ? call.held === true : false };
  if ('down' in call) return evaluateHost(state, { port: call.down, action: 'PORT_DOWN' }, ctx);
  if ('up' in call) return evaluateHost(state, { port: call.up, action: 'PORT_UP' }, ctx);
  if ('remove' in call) return removePort(state, call.remove, ctx);
  if ('close' in call) return closeHost(state, call.close, ctx);
  if ('release' in call) return reevaluateHeld(state, call.release, ctx);
  return reconcileHost(state, call.reconcile, ctx);
}

function run(steps: Step[], start: HostState = initialHostState()): HostState {
  let state = start;
  steps.forEach((step, i) => {
    const { next, actions } = apply(state, step.call);
    expect(actions, `step ${i + 1}`).toEqual(step.expectActions);
    if (step.expectState) expect(next, `step ${i + 1}`).toMatchObject(step.expectState);
    expect(next.incidentOpen, `step ${i + 1}: incidentOpen ⇔ downPorts`).toBe(next.downPorts.length > 0);
    expect(next.held, `step ${i + 1}: held ⇔ heldPorts`).toBe(next.heldPorts.length > 0);
    state = next;
  });
  return state;
}

const cases: Array<[string, Step[]]> = [
  [
    'two ports of one host: one OPEN_INCIDENT, then ADD_PORT; resolved only when all are UP',
    [
      {
        call: { down: 80 },
        expectActions: [{ type: 'OPEN_INCIDENT', ports: [80] }],
        expectState: { incidentOpen: true, downPorts: [80] },
      },
      { call: { down: 22 }, expectActions: [{ type: 'ADD_PORT', port: 22 }], expectState: { downPorts: [22, 80] } },
      {
        call: { up: 80 },
        expectActions: [{ type: 'REMOVE_PORT', port: 80, reason: 'RECOVERED' }],
        expectState: { incidentOpen: true, downPorts: [22] },
      },
      {
        call: { up: 22 },
        expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }],
        expectState: { incidentOpen: false, downPorts: [] },
      },
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
    ],
  ],
  [
    'duplicate PORT_DOWN and unknown PORT_UP are no-ops (idempotent after a restart)',
    [
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { down: 22 }, expectActions: [] },
      { call: { up: 443 }, expectActions: [] },
      { call: { up: 22 }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] },
      { call: { up: 22 }, expectActions: [] },
    ],
  ],
  [
    'held: no incident while probe degraded; release opens one incident naming the ports still down',
    [
      {
        call: { down: 22, held: true },
        expectActions: [],
        expectState: { incidentOpen: false, held: true, heldPorts: [22] },
      },
      { call: { down: 22, held: true }, expectActions: [], expectState: { heldPorts: [22] } },
      { call: { down: 22 }, expectActions: [], expectState: { incidentOpen: false, heldPorts: [22] } },
      { call: { down: 80, held: true }, expectActions: [], expectState: { heldPorts: [22, 80] } },
      { call: { down: 443, held: true }, expectActions: [] },
      {
        call: { release: { 22: 'DOWN', 80: 'DOWN', 443: 'UP' }, held: true },
        expectActions: [],
        expectState: { held: true },
      },
      {
        call: { release: { 22: 'DOWN', 80: 'RECOVERING', 443: 'UP' } },
        expectActions: [{ type: 'OPEN_INCIDENT', ports: [22, 80] }],
        expectState: { incidentOpen: true, downPorts: [22, 80], held: false, heldPorts: [] },
      },
    ],
  ],
  [
    'held: ports that recovered during the hold are dropped silently',
    [
      { call: { down: 22, held: true }, expectActions: [] },
      { call: { up: 22, held: true }, expectActions: [], expectState: { held: false, heldPorts: [] } },
      { call: { down: 80, held: true }, expectActions: [] },
      {
        call: { release: { 22: 'UP', 80: 'UP' } },
        expectActions: [],
        expectState: { incidentOpen: false, held: false },
      },
    ],
  ],
  [
    'held with an open incident: bad news waits, a recovery still goes out',
    [
      { call: { down: 80 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [80] }] },
      { call: { down: 22, held: true }, expectActions: [], expectState: { downPorts: [80], heldPorts: [22] } },
      { call: { up: 80, held: true }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] },
      { call: { release: { 22: 'DOWN', 80: 'UP' } }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
    ],
  ],
  [
    'held port joins an incident that is still open at release time',
    [
      { call: { down: 80 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [80] }] },
      { call: { down: 22, held: true }, expectActions: [] },
      {
        call: { release: { 22: 'DOWN', 80: 'DOWN' } },
        expectActions: [{ type: 'ADD_PORT', port: 22 }],
        expectState: { downPorts: [22, 80] },
      },
    ],
  ],
  [
    'a port removed from the monitor leaves the incident; the last one resolves it',
    [
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { down: 80 }, expectActions: [{ type: 'ADD_PORT', port: 80 }] },
      { call: { remove: 22 }, expectActions: [{ type: 'REMOVE_PORT', port: 22, reason: 'REMOVED' }] },
      { call: { down: 443, held: true }, expectActions: [] },
      { call: { remove: 443 }, expectActions: [], expectState: { held: false } },
      { call: { remove: 80 }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'PORTS_REMOVED' }] },
      { call: { remove: 80 }, expectActions: [] },
    ],
  ],
  [
    'monitor paused while an incident is open: resolved as MONITOR_PAUSED, held ports forgotten',
    [
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { down: 80, held: true }, expectActions: [] },
      {
        call: { close: 'MONITOR_PAUSED' },
        expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'MONITOR_PAUSED' }],
        expectState: initialHostState(),
      },
      { call: { close: 'MONITOR_DELETED' }, expectActions: [] },
    ],
  ],
  [
    'monitor deleted while an incident is open',
    [
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { close: 'MONITOR_DELETED' }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'MONITOR_DELETED' }] },
    ],
  ],
  [
    'reconcileHost repairs a host that disagrees with its ports',
    [
      { call: { reconcile: { 22: 'DOWN', 80: 'UP' } }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { reconcile: { 22: 'DOWN', 80: 'UP' } }, expectActions: [] },
      { call: { reconcile: { 22: 'RECOVERING', 80: 'DOWN' } }, expectActions: [{ type: 'ADD_PORT', port: 80 }] },
      { call: { reconcile: { 80: 'DOWN' } }, expectActions: [{ type: 'REMOVE_PORT', port: 22, reason: 'REMOVED' }] },
      {
        call: { reconcile: { 80: 'UP', 443: 'DOWN' }, held: true },
        expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }],
        expectState: { heldPorts: [443] },
      },
    ],
  ],
];

describe('evaluateHost step tables', () => {
  it.each(cases)('%s', (_name, steps) => {
    run(steps);
  });
});

describe('host restart mid-incident', () => {
  it('a restored open incident is not re-opened by a repeated PORT_DOWN and resolves normally', () => {
    const live = run([
      { call: { down: 22 }, expectActions: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { call: { down: 80 }, expectActions: [{ type: 'ADD_PORT', port: 80 }] },
    ]);
    run(
      [
        { call: { reconcile: { 22: 'DOWN', 80: 'RECOVERING' } }, expectActions: [] },
        { call: { down: 22 }, expectActions: [] },
        { call: { up: 22 }, expectActions: [{ type: 'REMOVE_PORT', port: 22, reason: 'RECOVERED' }] },
        { call: { up: 80 }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] },
      ],
      persisted(live),
    );
  });

  it('an inconsistent restore (incident open, no ports recorded) takes the down ports in', () => {
    const broken: HostState = { incidentOpen: true, downPorts: [], held: false, heldPorts: [] };
    run([{ call: { reconcile: { 22: 'DOWN' } }, expectActions: [{ type: 'ADD_PORT', port: 22 }] }], broken);
    run(
      [{ call: { reconcile: { 22: 'UP' } }, expectActions: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] }],
      broken,
    );
  });
});
