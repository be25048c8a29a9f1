// Admin: customers, global defaults, admin alert recipients, probe source addresses, audit log.
// (monitorDefaults and probeInfo are readable by every signed-in user: the register form and
// the firewall note need them.)
import {
  countCustomers,
  createCustomerAccount,
  listCustomers,
  setCustomerDisabled,
  updateCustomer,
} from '../../services/admin-customers.ts';
import {
  countAudit,
  createAdminRecipient,
  deleteAdminRecipient,
  getProbeInfo,
  listAudit,
  setProbeSources,
  updateAdminRecipient,
  updateMonitorDefaults,
  type ProbeInfo,
} from '../../services/admin-settings.ts';
import type { CustomerKind } from '../../generated/prisma/enums.ts';
import type { MonitorDefaults } from '../../services/settings.ts';
import { isAdmin } from '../../services/tenancy.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import type { AppServices } from '../../services/app-services.ts';
import type { GraphQLContext } from '../context.ts';
import { CustomerKindEnum, LanguageEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { filterNodeId, monitorDefaultsFor, readable, requireNodeId } from './node-access.ts';

builder.queryField('customers', (t) =>
  t.prismaConnection({
    type: 'Account',
    cursor: 'id',
    authScopes: { admin: true },
    description: 'Admin: every customer, by login id.',
    args: {
      search: t.arg.string({ description: 'The start of a login id, or part of the name.' }),
      kind: t.arg({ type: CustomerKindEnum }),
      disabled: t.arg.boolean(),
    },
    resolve: (query, _r, args, ctx) => listCustomers(ctx.services, ctx.viewer, args, query),
    totalCount: (_p, args, ctx) => countCustomers(ctx.services, ctx.viewer, args),
  }),
);

const reloadAccount = (ctx: GraphQLContext, query: object, id: string) =>
  ctx.services.prisma.account.findUniqueOrThrow({ ...readable(query), where: { id } });

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  fields: (t) => ({
    loginId: t.string({ required: true }),
    password: t.string({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    phone: t.string(),
    kind: t.field({ type: CustomerKindEnum, required: true }),
    representativeIp: t.string({
      description: 'Colocation customers: the representative IP (added to the inventory).',
    }),
    allowPrivate: t.boolean({ description: 'The representative IP may be private or reserved.' }),
    language: t.field({ type: LanguageEnum }),
    timeZone: t.string(),
    portLimit: t.int({ description: 'Default: the global default (3).' }),
  }),
});

builder.mutationField('createCustomer', (t) =>
  t.prismaField({
    type: 'Account',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const account = await createCustomerAccount(ctx.services, ctx.viewer!, {
        ...input,
        kind: input.kind as CustomerKind,
      });
      return reloadAccount(ctx, query, account.id);
    },
  }),
);

const UpdateCustomerInput = builder.inputType('UpdateCustomerInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    account: t.id({ required: true }),
    name: t.string(),
    email: t.string(),
    phone: t.string({ description: 'null removes it.' }),
    portLimit: t.int({ description: 'Ports per monitored server (1–100).' }),
    language: t.field({ type: LanguageEnum }),
    timeZone: t.string(),
  }),
});

builder.mutationField('updateCustomer', (t) =>
  t.prismaField({
    type: 'Account',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: edits a customer (contact, port limit, language, time zone).',
    args: { input: t.arg({ type: UpdateCustomerInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const { account: gid, ...rest } = input;
      const account = await updateCustomer(
        ctx.services,
        ctx.viewer!,
        requireNodeId(String(gid), 'Account', 'Customer'),
        rest,
      );
      return reloadAccount(ctx, query, account.id);
    },
  }),
);

for (const [name, disabled] of [
  ['disableCustomer', true],
  ['enableCustomer', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'Account',
      authScopes: { admin: true },
      errors: { types: standardErrors },
      description: disabled
        ? 'Admin: disables a customer: sign-ins and API tokens stop working at once.'
        : 'Admin: enables a disabled customer.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (query, _r, args, ctx) => {
        const account = await setCustomerDisabled(
          ctx.services,
          ctx.viewer!,
          requireNodeId(String(args.id), 'Account', 'Customer'),
          disabled,
        );
        return reloadAccount(ctx, query, account.id);
      },
    }),
  );
}

const MonitorDefaultsRef = builder.objectRef<MonitorDefaults>('MonitorDefaults').implement({
  description: 'Global defaults for monitors without their own values.',
  fields: (t) => ({
    intervalSec: t.exposeInt('intervalSec'),
    retryIntervalSec: t.exposeInt('retryIntervalSec'),
    timeoutMs: t.exposeInt('timeoutMs'),
    failureThreshold: t.exposeInt('failureThreshold'),
    recoveryThreshold: t.exposeInt('recoveryThreshold'),
    portLimit: t.exposeInt('portLimit', { description: 'Port limit given to new customers.' }),
    flapEnabled: t.exposeBoolean('flapEnabled', {
      description: 'Flapping rule on for monitors without their own setting.',
    }),
    flapWindow: t.exposeInt('flapWindow', { description: 'Checks in the flapping window (6–100).' }),
    flapChanges: t.exposeInt('flapChanges', {
      description: 'State changes in the window that mean flapping (4 – window−1).',
    }),
    flapFailedPercent: t.exposeInt('flapFailedPercent', {
      description: 'Percent of failed checks in the window (with ≥ 3 failure runs) that means flapping (10–100).',
    }),
  }),
});

builder.queryField('monitorDefaults', (t) =>
  t.field({
    type: MonitorDefaultsRef,
    authScopes: { signedIn: true },
    resolve: (_r, _a, ctx) => monitorDefaultsFor(ctx),
  }),
);

const UpdateMonitorDefaultsInput = builder.inputType('UpdateMonitorDefaultsInput', {
  fields: (t) => ({
    intervalSec: t.int(),
    retryIntervalSec: t.int(),
    timeoutMs: t.int(),
    failureThreshold: t.int(),
    recoveryThreshold: t.int(),
    portLimit: t.int(),
    flapEnabled: t.boolean(),
    flapWindow: t.int(),
    flapChanges: t.int(),
    flapFailedPercent: t.int(),
  }),
});

builder.mutationField('updateMonitorDefaults', (t) =>
  t.field({
    type: MonitorDefaultsRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: changes global defaults (fields left out stay).',
    args: { input: t.arg({ type: UpdateMonitorDefaultsInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateMonitorDefaults(ctx.services, ctx.viewer!, input),
  }),
);

builder.prismaNode('AdminRecipient', {
  id: { field: 'id' },
  nullable: true,
  // admins only: for anyone else every id is unknown
  findUnique: (id, ctx) => (isAdmin(ctx.viewer) ? { id } : { id, name: { in: [] } }),
  authScopes: { admin: true },
  description: "Someone on the provider's side who is alerted about every incident.",
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    mailEnabled: t.exposeBoolean('mailEnabled'),
    smsEnabled: t.exposeBoolean('smsEnabled'),
    alimtalkEnabled: t.exposeBoolean('alimtalkEnabled', {
      description: 'KakaoTalk AlimTalk to the phone; the SMS is sent when AlimTalk fails.',
    }),
    language: t.expose('language', { type: LanguageEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('adminRecipients', (t) =>
  t.prismaConnection({
    type: 'AdminRecipient',
    cursor: 'id',
    authScopes: { admin: true },
    resolve: (query, _r, _a, ctx) =>
      ctx.services.prisma.adminRecipient.findMany({ ...query, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
);

const recipientFields = builder.inputType('AdminRecipientInput', {
  fields: (t) => ({
    recipient: t.id({ description: 'For updates: the recipient to change.' }),
    name: t.string(),
    email: t.string(),
    phone: t.string(),
    mailEnabled: t.boolean(),
    smsEnabled: t.boolean(),
    alimtalkEnabled: t.boolean(),
    language: t.field({ type: LanguageEnum }),
  }),
});

builder.mutationField('saveAdminRecipient', (t) =>
  t.prismaField({
    type: 'AdminRecipient',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: creates an admin alert recipient, or changes one (with `recipient`).',
    args: { input: t.arg({ type: recipientFields, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const { recipient, ...opts } = input;
      const saved =
        recipient == null
          ? await createAdminRecipient(ctx.services, ctx.viewer!, opts)
          : await updateAdminRecipient(
              ctx.services,
              ctx.viewer!,
              requireNodeId(String(recipient), 'AdminRecipient', 'Admin recipient'),
              opts,
            );
      return ctx.services.prisma.adminRecipient.findUniqueOrThrow({ ...readable(query), where: { id: saved.id } });
    },
  }),
);

const DeletedRef = builder.objectRef<{ id: string }>('DeletedAdminRecipient').implement({
  fields: (t) => ({ id: t.exposeID('id', { description: "The deleted recipient's id." }) }),
});

builder.mutationField('deleteAdminRecipient', (t) =>
  t.field({
    type: DeletedRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      await deleteAdminRecipient(
        ctx.services,
        ctx.viewer!,
        requireNodeId(String(args.id), 'AdminRecipient', 'Admin recipient'),
      );
      return { id: String(args.id) };
    },
  }),
);

const ProbeInfoRef = builder.objectRef<ProbeInfo>('ProbeInfo').implement({
  description:
    'Where checks come from. Customers whose firewall drops them add these addresses to the INPUT / FORWARD allow rules.',
  fields: (t) => ({
    sourceAddresses: t.exposeStringList('sourceAddresses'),
    discovered: t.exposeBoolean('discovered', {
      description:
        "True when no address is configured and these were found from the probe host's routes (the local addresses it connects from).",
    }),
  }),
});

/** PROBE_SOURCE_ADDRESS, when the composition root passes it on in the services. */
const configuredSource = (services: AppServices) => services.probeSourceAddress ?? null;

builder.queryField('probeInfo', (t) =>
  t.field({
    type: ProbeInfoRef,
    authScopes: { signedIn: true },
    resolve: (_r, _a, ctx) => getProbeInfo(ctx.services, configuredSource(ctx.services)),
  }),
);

builder.mutationField('setProbeSources', (t) =>
  t.field({
    type: ProbeInfoRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: the source addresses shown to customers (besides PROBE_SOURCE_ADDRESS).',
    args: {
      input: t.arg({
        type: builder.inputType('SetProbeSourcesInput', {
          fields: (f) => ({ addresses: f.stringList({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: async (_r, { input }, ctx) => {
      await setProbeSources(ctx.services, ctx.viewer!, input.addresses);
      return getProbeInfo(ctx.services, configuredSource(ctx.services));
    },
  }),
);

builder.prismaObject('AuditLog', {
  name: 'AuditEntry',
  description: "One recorded action (admin actions, and customers' changes to their monitors and requests).",
  fields: (t) => ({
    id: t.id({
      description: 'A stable global id of this entry (for client caches).',
      resolve: (a) => encodeGlobalID('AuditEntry', a.id.toString()),
    }),
    number: t.string({ description: "The entry's sequence number.", resolve: (a) => a.id.toString() }),
    at: t.expose('at', { type: 'DateTime' }),
    action: t.exposeString('action'),
    targetType: t.exposeString('targetType', { nullable: true }),
    targetId: t.exposeString('targetId', { nullable: true }),
    detail: t.expose('detail', { type: 'JSON', nullable: true }),
    actor: t.relation('actor', { nullable: true }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    type: 'AuditLog',
    cursor: 'id',
    authScopes: { admin: true },
    description: 'Admin: the audit log, newest first.',
    args: {
      action: t.arg.string({ description: 'The start of an action, e.g. "request." or "monitor.delete".' }),
      actor: t.arg.id(),
      targetId: t.arg.string({ description: 'A database id (as in targetId).' }),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
    },
    resolve: (query, _r, args, ctx) =>
      listAudit(ctx.services, ctx.viewer, { ...args, actorId: filterNodeId(args.actor, 'Account') }, query),
    totalCount: (_p, args, ctx) =>
      countAudit(ctx.services, ctx.viewer, { ...args, actorId: filterNodeId(args.actor, 'Account') }),
  }),
);

builder.prismaObjectFields('Account', (t) => ({
  servers: t.relatedConnection('servers', {
    cursor: 'id',
    description: "The account's inventory, by IP.",
    query: { orderBy: [{ ip: 'asc' }, { id: 'asc' }] },
  }),
  serverCount: t.relationCount('servers'),
  monitorCount: t.relationCount('monitors', { where: { deletedAt: null }, description: 'Live monitors.' }),
  disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
}));
