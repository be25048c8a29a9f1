// Server (an IP in the provider's inventory): the customer's list with the "not yet registered
// for monitoring" filter, and the admin's inventory operations.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { standardErrors } from './errors.ts';
import {
  addServer,
  countServers,
  importServers,
  listServers,
  moveServer,
  removeServer,
  setRepresentativeIp,
  setServerAllowPrivate,
  type ImportLine,
  type ImportServersResult,
} from '../../services/inventory.ts';
import { ownedWhere, seesAccount } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import { ServerSourceEnum } from './enums.ts';
import { filterNodeId, inputNodeId, readable, requireNodeId } from './node-access.ts';

export const ServerRef = builder.prismaNode('Server', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, ...ownedWhere(ctx.viewer) }),
  authScopes: (s, ctx) => seesAccount(ctx.viewer, s.accountId),
  description: "An IP address in the provider's inventory, owned by one customer.",
  fields: (t) => ({
    ip: t.exposeString('ip'),
    source: t.expose('source', { type: ServerSourceEnum }),
    label: t.exposeString('label', { nullable: true }),
    allowPrivate: t.exposeBoolean('allowPrivate', {
      description: 'An admin allowed monitoring this private or reserved address.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    account: t.relation('account'),
    registered: t.boolean({
      description: 'True while a monitor watches this server.',
      select: { activeMonitor: { select: { id: true } } },
      resolve: (s) => s.activeMonitor !== null,
    }),
  }),
});

type ServerListArgs = {
  unregistered?: boolean | null;
  account?: string | number | null;
  accountId?: string | number | null;
  search?: string | null;
};
const serverOptions = (args: ServerListArgs) => ({
  unregistered: args.unregistered,
  search: args.search,
  accountId: filterNodeId(args.accountId ?? args.account, 'Account'),
});

builder.queryField('servers', (t) =>
  t.prismaConnection({
    type: 'Server',
    cursor: 'id',
    authScopes: { signedIn: true },
    description: 'Your servers (every server for admins), ordered by IP.',
    args: {
      unregistered: t.arg.boolean({
        description: "Only servers not yet registered for monitoring (the seed's drop-down).",
      }),
      accountId: t.arg.id({ description: 'Admins: one customer (Account id).' }),
      account: t.arg.id({ deprecationReason: 'Use accountId.', description: "Admins: one customer's inventory." }),
      search: t.arg.string({ description: 'The start of an IP address.' }),
    },
    resolve: (query, _root, args, ctx) => listServers(ctx.services, ctx.viewer, serverOptions(args), query),
    totalCount: (_p, args, ctx) => countServers(ctx.services, ctx.viewer, serverOptions(args)),
  }),
);

const AddServerInput = builder.inputType('AddServerInput', {
  fields: (t) => ({
    account: t.id({ required: true, description: 'The customer (Account id).' }),
    ip: t.string({ required: true }),
    label: t.string(),
    allowPrivate: t.boolean({
      description: 'Allow a private, loopback or reserved address (the probe will connect to it).',
    }),
  }),
});

const accountArg = (id: string | number) =>
  inputNodeId(String(id), 'Account', ['input', 'account'], 'No such customer')!;

builder.mutationField('addServer', (t) =>
  t.prismaField({
    type: 'Server',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: "Admin: adds an IP to a customer's inventory.",
    args: { input: t.arg({ type: AddServerInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const server = await addServer(ctx.services, ctx.viewer!, {
        accountId: accountArg(input.account),
        ip: input.ip,
        label: input.label,
        allowPrivate: input.allowPrivate,
      });
      return ctx.services.prisma.server.findUniqueOrThrow({ ...readable(query), where: { id: server.id } });
    },
  }),
);

const ImportLineStatusEnum = builder.enumType('ImportLineStatus', {
  values: {
    CREATED: { description: 'Added to the inventory by this run.' },
    WOULD_CREATE: { description: 'A dry run: would be added.' },
    UNCHANGED: { description: "Already in this customer's inventory: nothing to do." },
    ERROR: { description: 'Refused: `code` (with `params`) and `message` say why; the other lines are not held back.' },
  } as const,
});

const ImportLineRef = builder.objectRef<ImportLine>('ImportLine').implement({
  fields: (t) => ({
    line: t.exposeInt('line', { description: 'Line number in the pasted text (1-based).' }),
    input: t.exposeString('input'),
    ip: t.exposeString('ip', { nullable: true, description: 'The canonical address.' }),
    status: t.expose('status', { type: ImportLineStatusEnum }),
    message: t.exposeString('message', { nullable: true, description: 'Why (English); translate `code`.' }),
    code: t.exposeString('code', {
      nullable: true,
      description:
        'ERROR / UNCHANGED: a field error code (docs/api.md), e.g. INVALID_IP, IP_NOT_PUBLIC, DUPLICATE_LINE, IP_OTHER_CUSTOMER, IP_IN_INVENTORY.',
    }),
    params: t.field({ type: 'JSON', nullable: true, resolve: (l) => l.params }),
  }),
});

const ImportServersResultRef = builder.objectRef<ImportServersResult>('ImportServersResult').implement({
  fields: (t) => ({
    applied: t.exposeBoolean('applied', {
      description: 'True when the valid lines were added (not a dry run, at least one line to add).',
    }),
    created: t.exposeInt('created'),
    refused: t.exposeInt('refused', { description: 'Lines in ERROR (skipped).' }),
    lines: t.field({ type: [ImportLineRef], resolve: (r) => r.lines }),
  }),
});

const ImportServersInput = builder.inputType('ImportServersInput', {
  fields: (t) => ({
    account: t.id({ required: true }),
    text: t.string({
      required: true,
      description: 'One IP per line, optionally followed by a label; blank lines and "# comments" are skipped.',
    }),
    allowPrivate: t.boolean(),
    dryRun: t.boolean({ description: 'Only report what would happen.' }),
  }),
});

builder.mutationField('importServers', (t) =>
  t.field({
    type: ImportServersResultRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description:
      "Admin: adds a pasted list of IPs to a customer's inventory: every valid line is added (in one transaction); every other line is reported with its reason (ERROR, code). dryRun only reports (WOULD_CREATE).",
    args: { input: t.arg({ type: ImportServersInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      importServers(ctx.services, ctx.viewer!, {
        accountId: accountArg(input.account),
        text: input.text,
        allowPrivate: input.allowPrivate,
        dryRun: input.dryRun,
      }),
  }),
);

builder.mutationField('moveServer', (t) =>
  t.prismaField({
    type: 'Server',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: moves an unmonitored server to another customer.',
    args: {
      input: t.arg({
        type: builder.inputType('MoveServerInput', {
          fields: (f) => ({ server: f.id({ required: true }), account: f.id({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: async (query, _r, { input }, ctx) => {
      const server = await moveServer(ctx.services, ctx.viewer!, {
        serverId: requireNodeId(String(input.server), 'Server'),
        accountId: accountArg(input.account),
      });
      return ctx.services.prisma.server.findUniqueOrThrow({ ...readable(query), where: { id: server.id } });
    },
  }),
);

builder.mutationField('setServerAllowPrivate', (t) =>
  t.prismaField({
    type: 'Server',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description:
      "Admin: allows or withdraws monitoring of a server's private or reserved address. The prober re-checks the address before every connect: once withdrawn, its ports are not checked and say why (lastErrorCode EPOLICY).",
    args: {
      input: t.arg({
        type: builder.inputType('SetServerAllowPrivateInput', {
          fields: (f) => ({ serverId: f.id({ required: true }), allowPrivate: f.boolean({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: async (query, _r, { input }, ctx) => {
      const server = await setServerAllowPrivate(ctx.services, ctx.viewer!, {
        serverId: requireNodeId(String(input.serverId), 'Server'),
        allowPrivate: input.allowPrivate,
      });
      return ctx.services.prisma.server.findUniqueOrThrow({ ...readable(query), where: { id: server.id } });
    },
  }),
);

const RemovedServer = builder.objectRef<{ id: string; ip: string }>('RemovedServer').implement({
  fields: (t) => ({
    id: t.id({ description: "The removed Server's id.", resolve: (s) => encodeGlobalID('Server', s.id) }),
    ip: t.exposeString('ip'),
  }),
});

builder.mutationField('removeServer', (t) =>
  t.field({
    type: RemovedServer,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description:
      'Admin: removes an unmonitored server from the inventory (with purgeHistory, also its old monitoring logs).',
    args: { id: t.arg.id({ required: true }), purgeHistory: t.arg.boolean() },
    resolve: (_r, args, ctx) =>
      removeServer(ctx.services, ctx.viewer!, {
        serverId: requireNodeId(String(args.id), 'Server'),
        purgeHistory: args.purgeHistory,
      }),
  }),
);

builder.mutationField('setRepresentativeIp', (t) =>
  t.prismaField({
    type: 'Server',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: "Admin: sets a colocation customer's representative IP (added to its inventory).",
    args: {
      input: t.arg({
        type: builder.inputType('SetRepresentativeIpInput', {
          fields: (f) => ({
            account: f.id({ required: true }),
            ip: f.string({ required: true }),
            allowPrivate: f.boolean(),
          }),
        }),
        required: true,
      }),
    },
    resolve: async (query, _r, { input }, ctx) => {
      const server = await setRepresentativeIp(ctx.services, ctx.viewer!, {
        accountId: accountArg(input.account),
        ip: input.ip,
        allowPrivate: input.allowPrivate,
      });
      return ctx.services.prisma.server.findUniqueOrThrow({ ...readable(query), where: { id: server.id } });
    },
  }),
);
