// Register, edit, delete, pause and resume monitors. Validation and tenancy live in
// services/monitors.ts; here: input types, ID decoding and re-reading the result for the query.
import { GraphQLError, Kind } from 'graphql';
import {
  markMonitorDeleted,
  markMonitorPaused,
  markMonitorResumed,
  registerMonitor,
  updateMonitor,
  type MonitorContactOptions,
  type MonitorPolicyOptions,
} from '../../services/monitors.ts';
import type { MaintenanceWindowInput } from '../../services/monitor-input.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import type { PortCheckInput } from '../../services/check-input.ts';
import { PortCheckInputRef } from './checks.ts';
import { MaintenanceKindEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { inputNodeId, readable, requireNodeId } from './node-access.ts';

builder.scalarType('PortList', {
  description:
    'Ports, as a list ([21, 22, 23]) or as the seed\'s text ("21,22,23", "21/22/23", "21 22 23"). Input only.',
  serialize: () => {
    throw new GraphQLError('PortList is an input type');
  },
  parseValue: (value) => {
    if (typeof value === 'string' || Array.isArray(value)) return value as string | unknown[];
    throw new GraphQLError('PortList must be a list of port numbers or a text like "21,22,23"');
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING) return ast.value;
    if (ast.kind === Kind.INT) return [Number(ast.value)];
    if (ast.kind === Kind.LIST)
      return ast.values.map((v) => (v.kind === Kind.INT || v.kind === Kind.STRING ? v.value : null));
    throw new GraphQLError('PortList must be a list of port numbers or a text like "21,22,23"');
  },
});

const MaintenanceWindowInputRef = builder.inputType('MaintenanceWindowInput', {
  description:
    "ONE_OFF: startsAt + endsAt. WEEKLY: weekday (0 = Sunday) + startMinute (after local midnight) + durationMin, in timeZone (default: your account's).",
  fields: (t) => ({
    kind: t.field({ type: MaintenanceKindEnum, required: true }),
    startsAt: t.field({ type: 'DateTime' }),
    endsAt: t.field({ type: 'DateTime' }),
    weekday: t.int(),
    startMinute: t.int(),
    durationMin: t.int(),
    timeZone: t.string(),
    note: t.string(),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type InputFieldBuilder = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;

/** Contact and policy fields shared by the register and update inputs. */
const sharedFields = (t: InputFieldBuilder) => ({
  useAccountContact: t.boolean({
    description: 'The seed\'s "use existing information": copy the account\'s name, e-mail and phone.',
  }),
  contactName: t.string(),
  contactEmail: t.string(),
  contactPhone: t.string({ description: 'A mobile number, with or without "-" (010-1234-5678, +82 10 1234 5678).' }),
  mailEnabled: t.boolean({ description: 'Send e-mail alerts (default on).' }),
  smsEnabled: t.boolean({ description: 'Send SMS alerts (default: on when there is a mobile number).' }),
  alimtalkEnabled: t.boolean({
    description:
      'Send KakaoTalk AlimTalk alerts to the mobile number (default off); when AlimTalk fails, the SMS goes instead.',
  }),
  intervalSec: t.int({ description: 'Seconds between checks (10–86400); null = the global default.' }),
  retryIntervalSec: t.int({ description: 'Seconds between re-checks while a port is failing; null = default.' }),
  timeoutMs: t.int({ description: 'Connect timeout (100–60000 ms, shorter than the intervals); null = default.' }),
  failureThreshold: t.int({ description: 'Consecutive failures that open an incident; null = default.' }),
  recoveryThreshold: t.int({ description: 'Consecutive successes that close it; null = default.' }),
  reminderEveryMin: t.int({ description: 'Reminders while down and unacknowledged; null = off.' }),
  escalateAfterMin: t.int({ description: 'SMS the admins after this many minutes unacknowledged; null = off.' }),
  flapEnabled: t.boolean({ description: 'Flapping rule on/off; null = the default.' }),
  flapWindow: t.int({ description: 'Checks in the flapping window (6–100); null = default (21).' }),
  flapChanges: t.int({
    description: 'State changes in the window that mean flapping (4 – window−1); null = default (6).',
  }),
  flapFailedPercent: t.int({
    description:
      'Percent of failed checks in the window (with ≥ 3 failure runs) that means flapping (10–100); null = default (30).',
  }),
  maintenanceWindows: t.field({ type: [MaintenanceWindowInputRef], description: 'Replaces all windows when given.' }),
  checks: t.field({
    type: [PortCheckInputRef],
    description: "How ports are checked (ports not listed: TCP_CONNECT). Replaces every port's check when given.",
  }),
});

const RegisterMonitorInput = builder.inputType('RegisterMonitorInput', {
  fields: (t) => ({
    server: t.id({ description: 'A server from your inventory (see `servers(unregistered: true)`), or…' }),
    host: t.string({ description: '…its IP address.' }),
    ports: t.field({ type: 'PortList', required: true, description: 'At most your port limit (default 3).' }),
    ...sharedFields(t),
  }),
});

const UpdateMonitorInput = builder.inputType('UpdateMonitorInput', {
  description: 'Fields left out stay as they are; an explicit null resets a policy value to the default.',
  fields: (t) => ({
    monitor: t.id({ required: true }),
    ports: t.field({ type: 'PortList' }),
    ...sharedFields(t),
  }),
});

type SharedInput = MonitorContactOptions &
  MonitorPolicyOptions & {
    checks?: readonly PortCheckInput[] | null;
    maintenanceWindows?:
      | readonly {
          kind: 'ONE_OFF' | 'WEEKLY';
          startsAt?: Date | null;
          endsAt?: Date | null;
          weekday?: number | null;
          startMinute?: number | null;
          durationMin?: number | null;
          timeZone?: string | null;
          note?: string | null;
        }[]
      | null;
  };

function sharedOptions(input: SharedInput) {
  const { maintenanceWindows, checks, ...rest } = input;
  return {
    ...rest,
    maintenanceWindows: maintenanceWindows ? ([...maintenanceWindows] as MaintenanceWindowInput[]) : maintenanceWindows,
    ...(checks !== undefined ? { checks: checks ? [...checks] : null } : {}),
  };
}

const reload = (ctx: GraphQLContext, query: object, id: string) =>
  ctx.services.prisma.monitor.findUniqueOrThrow({ ...readable(query), where: { id } });

builder.mutationField('registerMonitor', (t) =>
  t.prismaField({
    type: 'Monitor',
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'Registers a server of your inventory for monitoring.',
    args: { input: t.arg({ type: RegisterMonitorInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const { server, host, ports, ...shared } = input;
      const serverId = inputNodeId(
        server == null ? null : String(server),
        'Server',
        ['input', 'server'],
        'No such server in your inventory',
      );
      const monitor = await registerMonitor(ctx.services, ctx.viewer!, {
        serverId,
        host,
        ports,
        ...sharedOptions(shared),
      });
      return reload(ctx, query, monitor.id);
    },
  }),
);

builder.mutationField('updateMonitor', (t) =>
  t.prismaField({
    type: 'Monitor',
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'Edits a monitor: ports, switches, contact, policy, maintenance windows.',
    args: { input: t.arg({ type: UpdateMonitorInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const { monitor: monitorGid, ports, ...shared } = input;
      const monitor = await updateMonitor(ctx.services, ctx.viewer!, requireNodeId(String(monitorGid), 'Monitor'), {
        ports,
        ...sharedOptions(shared),
      });
      return reload(ctx, query, monitor.id);
    },
  }),
);

const simple = (name: string, description: string, run: typeof markMonitorDeleted) =>
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'Monitor',
      authScopes: { signedIn: true },
      errors: { types: standardErrors },
      description,
      args: { id: t.arg.id({ required: true }) },
      resolve: async (query, _r, args, ctx) => {
        const monitor = await run(ctx.services, ctx.viewer!, requireNodeId(String(args.id), 'Monitor'));
        return reload(ctx, query, monitor.id);
      },
    }),
  );

simple(
  'deleteMonitor',
  'Stops monitoring at once. The logs stay; the server can be registered again.',
  markMonitorDeleted,
);
simple('pauseMonitor', 'Pauses checks and alerts (idempotent).', markMonitorPaused);
simple('resumeMonitor', 'Resumes a paused monitor (idempotent).', markMonitorResumed);
