// ApprovalRequest: the colocation IP approval board (NUM, title, ID, representative IP, date,
// status), its admin workflow, and live updates for admins and the request's owner.
import { ipRangeOf } from '../../services/ip-policy.ts';
import {
  approveApprovalRequest,
  countRequests,
  createApprovalRequest,
  findApprovalRequest,
  listRequests,
  openApprovalRequest,
  rejectApprovalRequest,
} from '../../services/requests.ts';
import type { ApprovalRequestEvent } from '../../events/events.ts';
import type { RequestStatus } from '../../generated/prisma/enums.ts';
import { ownedWhere, seesAccount } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { RequestStatusEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { viewerScope } from './live.ts';
import { filterNodeId, readable, requireNodeId } from './node-access.ts';

export const ApprovalRequestRef = builder.prismaNode('ApprovalRequest', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, ...ownedWhere(ctx.viewer) }),
  authScopes: (r, ctx) => seesAccount(ctx.viewer, r.accountId),
  description: "A colocation customer's request to add an IP to its inventory.",
  fields: (t) => ({
    number: t.exposeInt('number', { description: "The board's NUM." }),
    title: t.exposeString('title'),
    content: t.exposeString('content'),
    ip: t.exposeString('ip'),
    status: t.expose('status', { type: RequestStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    seenAt: t.expose('seenAt', { type: 'DateTime', nullable: true, description: 'When an admin first opened it.' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    rejectReason: t.exposeString('rejectReason', { nullable: true }),
    account: t.relation('account', {
      description: "The customer who filed it (its loginId is the board's ID column).",
    }),
    representativeIp: t.string({
      nullable: true,
      description: "The customer's representative IP (a board column).",
      select: { account: { select: { representativeIp: true } } },
      resolve: (r) => r.account.representativeIp,
    }),
    seenBy: t.relation('seenBy', {
      nullable: true,
      authScopes: { admin: true },
      unauthorizedResolver: () => null,
      description: 'Admins only.',
    }),
    decidedBy: t.relation('decidedBy', {
      nullable: true,
      authScopes: { admin: true },
      unauthorizedResolver: () => null,
      description: 'Admins only.',
    }),
    server: t.relation('server', { nullable: true, description: 'The inventory server created by approving it.' }),
    ipRange: t.string({
      nullable: true,
      description:
        'The restricted range the IP is in (PRIVATE, LOOPBACK, LINK_LOCAL, SHARED, RESERVED, DOCUMENTATION, MULTICAST, UNSPECIFIED, BROADCAST), or null for a public address. Approving a restricted one needs `allowPrivate`.',
      resolve: (r) => ipRangeOf(r.ip),
    }),
    ipConflict: t.string({
      nullable: true,
      authScopes: { admin: true },
      unauthorizedResolver: () => null,
      description:
        "Admins only: the login id of another customer whose inventory already holds this IP (approving it is then refused). Customers always get null: a request never reveals other customers' IPs.",
      resolve: async (r, _a, ctx) => {
        if (r.status === 'APPROVED' || r.status === 'REJECTED') return null;
        const other = await ctx.services.prisma.server.findFirst({
          where: { ip: r.ip, accountId: { not: r.accountId } },
          select: { account: { select: { loginId: true } } },
        });
        return other?.account.loginId ?? null;
      },
    }),
  }),
});

const listOptions = (args: {
  search?: string | null;
  status?: RequestStatus | null;
  account?: string | number | null;
  accountId?: string | number | null;
}) => ({
  search: args.search,
  status: args.status,
  accountId: filterNodeId(args.accountId ?? args.account, 'Account'),
});

builder.queryField('approvalRequests', (t) =>
  t.prismaConnection({
    type: 'ApprovalRequest',
    cursor: 'id',
    authScopes: { signedIn: true },
    description:
      "The approval board, newest first: your requests (everyone's for admins). Page with first/after (next) and last/before (previous).",
    args: {
      search: t.arg.string({ description: 'Part of the title.' }),
      status: t.arg({ type: RequestStatusEnum }),
      accountId: t.arg.id({ description: 'Admins: one customer (Account id).' }),
      account: t.arg.id({ deprecationReason: 'Use accountId.', description: "Admins: one customer's requests." }),
    },
    resolve: (query, _r, args, ctx) => listRequests(ctx.services, ctx.viewer, listOptions(args), query),
    totalCount: (_p, args, ctx) => countRequests(ctx.services, ctx.viewer, listOptions(args)),
  }),
);

const reload = (ctx: GraphQLContext, query: object, id: string) =>
  ctx.services.prisma.approvalRequest.findUniqueOrThrow({ ...readable(query), where: { id } });

const CreateApprovalRequestInput = builder.inputType('CreateApprovalRequestInput', {
  fields: (t) => ({
    ip: t.string({ required: true, description: 'The external IP to add to your inventory.' }),
    title: t.string({ required: true }),
    content: t.string({ required: true }),
  }),
});

builder.mutationField('createApprovalRequest', (t) =>
  t.prismaField({
    type: 'ApprovalRequest',
    authScopes: { colocation: true },
    errors: { types: standardErrors },
    description: 'Colocation customers: asks an admin to add an IP to your inventory.',
    args: { input: t.arg({ type: CreateApprovalRequestInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const request = await createApprovalRequest(ctx.services, ctx.viewer!, input);
      return reload(ctx, query, request.id);
    },
  }),
);

const adminAction = (name: string, description: string, run: typeof openApprovalRequest) =>
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'ApprovalRequest',
      authScopes: { admin: true },
      errors: { types: standardErrors },
      description,
      args: { id: t.arg.id({ required: true }) },
      resolve: async (query, _r, args, ctx) => {
        const request = await run(
          ctx.services,
          ctx.viewer!,
          requireNodeId(String(args.id), 'ApprovalRequest', 'Approval request'),
        );
        return reload(ctx, query, request.id);
      },
    }),
  );

adminAction(
  'openApprovalRequest',
  'Admin: opens a request; the first opening marks it SEEN (with time and admin).',
  openApprovalRequest,
);
builder.mutationField('approveApprovalRequest', (t) =>
  t.prismaField({
    type: 'ApprovalRequest',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description:
      'Admin: approves; the IP joins the customer\'s "not yet registered" servers. Idempotent. A private or otherwise restricted IP (`ipRange`) needs `allowPrivate: true` (else a ValidationError PRIVATE_NEEDS_PERMISSION on allowPrivate).',
    args: {
      id: t.arg.id({ required: true }),
      allowPrivate: t.arg.boolean({
        required: false,
        description: 'Allow monitoring this restricted (private, loopback…) address.',
      }),
    },
    resolve: async (query, _r, args, ctx) => {
      const request = await approveApprovalRequest(
        ctx.services,
        ctx.viewer!,
        requireNodeId(String(args.id), 'ApprovalRequest', 'Approval request'),
        { allowPrivate: args.allowPrivate ?? false },
      );
      return reload(ctx, query, request.id);
    },
  }),
);

builder.mutationField('rejectApprovalRequest', (t) =>
  t.prismaField({
    type: 'ApprovalRequest',
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: rejects with a reason the customer sees.',
    args: {
      input: t.arg({
        type: builder.inputType('RejectApprovalRequestInput', {
          fields: (f) => ({ request: f.id({ required: true }), reason: f.string({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: async (query, _r, { input }, ctx) => {
      const request = await rejectApprovalRequest(
        ctx.services,
        ctx.viewer!,
        requireNodeId(String(input.request), 'ApprovalRequest', 'Approval request'),
        input.reason,
      );
      return reload(ctx, query, request.id);
    },
  }),
);

const ApprovalRequestChangeKind = builder.enumType('ApprovalRequestChangeKind', {
  values: ['CREATED', 'SEEN', 'APPROVED', 'REJECTED'] as const,
});

const ApprovalRequestChange = builder.objectRef<ApprovalRequestEvent>('ApprovalRequestChange').implement({
  fields: (t) => ({
    change: t.expose('change', { type: ApprovalRequestChangeKind }),
  }),
});

builder.objectField(ApprovalRequestChange, 'request', (t) =>
  t.prismaField({
    type: 'ApprovalRequest',
    nullable: true,
    resolve: (query, e, _a, ctx) => findApprovalRequest(ctx.services, ctx.viewer, e.requestId, query),
  }),
);

builder.subscriptionField('approvalRequestChanged', (t) =>
  t.field({
    type: ApprovalRequestChange,
    authScopes: { signedIn: true },
    description:
      'Approval requests filed, seen, approved or rejected: every request for admins, your own for customers.',
    subscribe: (_root, _args, ctx) =>
      ctx.services.events.live.stream<ApprovalRequestEvent>('approvalRequest', viewerScope(ctx)),
    resolve: (e) => e,
  }),
);
