// Check kinds per port (input and output), certificates seen by TLS / HTTPS checks, and the
// expiry warning thresholds (the admin's default, an account's own).
import type { CheckSpec } from '../../probe/index.ts';
import { BANNER_PRESETS, CHECK_KINDS, describeExpectation } from '../../probe/index.ts';
import { encodeEscapes, readChecks } from '../../services/check-input.ts';
import {
  countCertificates,
  DAY_MS,
  getDefaultWarnDays,
  listCertificates,
  normalizeWarnDays,
  setAccountWarnDays,
  setDefaultWarnDays,
} from '../../services/cert-warnings.ts';
import { isAdmin, ownedWhere, seesAccount } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import { standardErrors } from './errors.ts';
import { filterNodeId, requireNodeId } from './node-access.ts';

export const CheckKindEnum = builder.enumType('CheckKind', {
  values: [...CHECK_KINDS],
  description:
    'TCP_CONNECT: the port accepts a connection (default). BANNER: it answers as expected. TLS: a TLS handshake with a valid certificate. HTTP: an HTTP(S) request answers with the expected status.',
});
export const BannerPresetEnum = builder.enumType('BannerPreset', { values: [...BANNER_PRESETS] });
export const MatchModeEnum = builder.enumType('MatchMode', { values: ['STARTS_WITH', 'CONTAINS', 'REGEX'] as const });
export const StartTlsEnum = builder.enumType('StartTls', { values: ['SMTP', 'IMAP', 'POP3'] as const });
export const HttpMethodEnum = builder.enumType('HttpMethod', { values: ['GET', 'HEAD'] as const });

export const PortCheckInputRef = builder.inputType('PortCheckInput', {
  description:
    'How one port is checked. Fields of other kinds are ignored. Names (serverName, hostHeader) are sent, never looked up: the prober only contacts the registered IP.',
  fields: (t) => ({
    port: t.int({ required: true }),
    kind: t.field({ type: CheckKindEnum, required: true }),
    preset: t.field({ type: BannerPresetEnum, description: 'BANNER: a known service instead of send/match/expect.' }),
    send: t.string({ description: 'BANNER: text sent after connecting; \\r \\n \\t are escapes.' }),
    match: t.field({ type: MatchModeEnum, description: 'BANNER: how `expect` is matched (default STARTS_WITH).' }),
    expect: t.string({
      description: 'BANNER: a prefix, a substring or a regular expression (≤ 256 characters, run with a 50 ms bound).',
    }),
    maxBytes: t.int({ description: 'BANNER: bytes read at most (16–8192, default 1024).' }),
    serverName: t.string({ description: 'TLS: the name sent as SNI and checked against the certificate.' }),
    verifyChain: t.boolean({ description: 'TLS/HTTPS: fail on an untrusted chain (default true).' }),
    verifyName: t.boolean({
      description: 'TLS/HTTPS: fail when the certificate does not name the host (default: true when a name is given).',
    }),
    starttls: t.field({ type: StartTlsEnum, description: 'TLS: upgrade a plain SMTP / IMAP / POP3 connection first.' }),
    method: t.field({ type: HttpMethodEnum, description: 'HTTP: GET (default) or HEAD.' }),
    path: t.string({ description: 'HTTP: default /.' }),
    hostHeader: t.string({ description: 'HTTP: the Host header (and SNI over TLS); default the IP.' }),
    tls: t.boolean({ description: 'HTTP: over TLS (HTTPS).' }),
    statusMin: t.int({ description: 'HTTP: lowest passing status (default 200).' }),
    statusMax: t.int({ description: 'HTTP: highest passing status (default 399).' }),
    keyword: t.string({ description: 'HTTP: the body must contain this text.' }),
    maxBodyBytes: t.int({ description: 'HTTP: body bytes read at most (0–1048576, default 65536).' }),
    followRedirects: t.int({ description: 'HTTP: redirects followed, to the same server only (0–5, default 0).' }),
  }),
});

interface PortCheck {
  port: number;
  spec: CheckSpec;
}

const pick = <K extends string>(c: PortCheck, key: K): unknown =>
  (c.spec as unknown as Record<string, unknown>)[key] ?? null;

/** A one-line summary in English (the dashboard renders its own, translated). */
export function describeCheck(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'TCP_CONNECT':
      return 'accepts a TCP connection';
    case 'BANNER':
      return `${spec.preset ? `${spec.preset}: ` : ''}${spec.send ? `sends ${JSON.stringify(spec.send)}, ` : ''}answer ${describeExpectation(spec)}`;
    case 'TLS':
      return `${spec.starttls ? `STARTTLS (${spec.starttls}), ` : ''}TLS handshake${spec.serverName ? ` for ${spec.serverName}` : ''}${spec.verifyChain ? ', trusted chain' : ''}${spec.verifyName ? ', matching name' : ''}`;
    case 'HTTP':
      return `${spec.method} ${spec.tls ? 'https' : 'http'}://${spec.hostHeader ?? '<ip>'}${spec.path} → ${spec.statusMin}–${spec.statusMax}${spec.keyword ? `, body contains "${spec.keyword}"` : ''}`;
  }
}

const PortCheckRef = builder.objectRef<PortCheck>('PortCheck').implement({
  description: 'How a port is checked (every port of a monitor has one; TCP_CONNECT unless set).',
  fields: (t) => ({
    port: t.exposeInt('port'),
    kind: t.field({ type: CheckKindEnum, resolve: (c) => c.spec.kind }),
    summary: t.string({ description: 'In English.', resolve: (c) => describeCheck(c.spec) }),
    preset: t.field({
      type: BannerPresetEnum,
      nullable: true,
      resolve: (c) => (c.spec.kind === 'BANNER' ? c.spec.preset : null),
    }),
    send: t.string({
      nullable: true,
      description: 'With \\r \\n \\t escapes.',
      resolve: (c) => (c.spec.kind === 'BANNER' && c.spec.send ? encodeEscapes(c.spec.send) : null),
    }),
    match: t.field({
      type: MatchModeEnum,
      nullable: true,
      resolve: (c) => (c.spec.kind === 'BANNER' ? c.spec.match : null),
    }),
    expect: t.string({ nullable: true, resolve: (c) => pick(c, 'expect') as string | null }),
    maxBytes: t.int({ nullable: true, resolve: (c) => pick(c, 'maxBytes') as number | null }),
    serverName: t.string({ nullable: true, resolve: (c) => pick(c, 'serverName') as string | null }),
    verifyChain: t.boolean({ nullable: true, resolve: (c) => pick(c, 'verifyChain') as boolean | null }),
    verifyName: t.boolean({ nullable: true, resolve: (c) => pick(c, 'verifyName') as boolean | null }),
    starttls: t.field({
      type: StartTlsEnum,
      nullable: true,
      resolve: (c) => (c.spec.kind === 'TLS' ? c.spec.starttls : null),
    }),
    method: t.field({
      type: HttpMethodEnum,
      nullable: true,
      resolve: (c) => (c.spec.kind === 'HTTP' ? c.spec.method : null),
    }),
    path: t.string({ nullable: true, resolve: (c) => pick(c, 'path') as string | null }),
    hostHeader: t.string({ nullable: true, resolve: (c) => pick(c, 'hostHeader') as string | null }),
    tls: t.boolean({ nullable: true, resolve: (c) => (c.spec.kind === 'HTTP' ? c.spec.tls : null) }),
    statusMin: t.int({ nullable: true, resolve: (c) => pick(c, 'statusMin') as number | null }),
    statusMax: t.int({ nullable: true, resolve: (c) => pick(c, 'statusMax') as number | null }),
    keyword: t.string({ nullable: true, resolve: (c) => pick(c, 'keyword') as string | null }),
    maxBodyBytes: t.int({ nullable: true, resolve: (c) => pick(c, 'maxBodyBytes') as number | null }),
    followRedirects: t.int({ nullable: true, resolve: (c) => pick(c, 'followRedirects') as number | null }),
  }),
});

builder.prismaObjectField('Monitor', 'checks', (t) =>
  t.field({
    type: [PortCheckRef],
    select: { ports: true, checks: true },
    description: 'How each port is checked, in port order.',
    resolve: (m) => {
      const map = readChecks(m.checks);
      return [...m.ports]
        .sort((a, b) => a - b)
        .map((port) => ({ port, spec: map.get(port) ?? { kind: 'TCP_CONNECT' as const } }));
    },
  }),
);

export const CertificateRef = builder.prismaNode('Certificate', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, ...ownedWhere(ctx.viewer) }),
  authScopes: (c, ctx) => seesAccount(ctx.viewer, c.accountId),
  description: 'A certificate a TLS or HTTPS check saw on a port: the facts of its last recorded handshake.',
  fields: (t) => ({
    port: t.exposeInt('port'),
    subject: t.exposeString('subject'),
    issuer: t.exposeString('issuer'),
    sans: t.exposeStringList('sans', {
      description: 'Subject alternative names ("DNS:www.example.com", "IP Address:192.0.2.1").',
    }),
    serialNumber: t.exposeString('serialNumber'),
    fingerprint: t.exposeString('fingerprint', { description: 'SHA-256 of the certificate.' }),
    validFrom: t.expose('validFrom', { type: 'DateTime' }),
    validTo: t.expose('validTo', { type: 'DateTime' }),
    daysLeft: t.int({
      description: 'Whole days until expiry (negative once expired).',
      resolve: (c, _a, ctx) => Math.floor((c.validTo.getTime() - ctx.services.now().getTime()) / DAY_MS),
    }),
    protocol: t.exposeString('protocol', { nullable: true, description: 'e.g. TLSv1.3' }),
    cipher: t.exposeString('cipher', { nullable: true }),
    trusted: t.exposeBoolean('trusted', { description: 'The chain leads to a trusted root.' }),
    trustError: t.exposeString('trustError', { nullable: true }),
    checkedName: t.exposeString('checkedName', {
      description: 'The name checked against the certificate (SNI / Host, else the IP).',
    }),
    nameMatches: t.exposeBoolean('nameMatches'),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', {
      type: 'DateTime',
      description: 'Refreshed when a fact changes, else hourly.',
    }),
    current: t.exposeBoolean('current', { description: 'The port still shows this certificate.' }),
    warnedDays: t.exposeInt('warnedDays', {
      nullable: true,
      description: 'The most urgent expiry warning sent (days).',
    }),
    monitor: t.relation('monitor'),
  }),
});

builder.prismaObjectField('Monitor', 'certificates', (t) =>
  t.relation('certificates', {
    description: 'The certificates the ports show now (TLS and HTTPS checks), by port.',
    query: { where: { current: true }, orderBy: [{ port: 'asc' }] },
  }),
);

const certOptions = (args: { monitor?: string | number | null; expiringWithinDays?: number | null }) => ({
  monitorId: filterNodeId(args.monitor, 'Monitor'),
  expiringWithinDays: args.expiringWithinDays,
});

builder.queryField('certificates', (t) =>
  t.prismaConnection({
    type: 'Certificate',
    cursor: 'id',
    authScopes: { signedIn: true },
    description: "The certificates your monitored ports show now (every customer's for admins), soonest expiry first.",
    args: {
      monitor: t.arg.id(),
      expiringWithinDays: t.arg.int({ description: 'Only those expiring within this many days (expired ones too).' }),
    },
    resolve: (query, _r, args, ctx) => listCertificates(ctx.services, ctx.viewer, certOptions(args), query),
    totalCount: (_p, args, ctx) => countCertificates(ctx.services, ctx.viewer, certOptions(args)),
  }),
);

interface WarnDays {
  defaultDays: number[];
  accountDays: number[] | null;
}

const WarnDaysRef = builder.objectRef<WarnDays>('CertificateWarningDays').implement({
  description:
    "Days before a certificate's expiry when its contact is warned (one message per threshold per certificate).",
  fields: (t) => ({
    defaultDays: t.exposeIntList('defaultDays', { description: "The admin's default." }),
    accountDays: t.exposeIntList('accountDays', {
      nullable: true,
      description: "The account's own (null: it follows the default; empty: no warnings).",
    }),
    effectiveDays: t.intList({ resolve: (w) => w.accountDays ?? w.defaultDays }),
  }),
});

const readWarnDays = async (
  prisma: Parameters<typeof getDefaultWarnDays>[0],
  accountId: string | null,
): Promise<WarnDays> => {
  const defaultDays = await getDefaultWarnDays(prisma);
  if (!accountId) return { defaultDays, accountDays: null };
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { certWarnDays: true } });
  return {
    defaultDays,
    accountDays: normalizeWarnDays(account?.certWarnDays) ?? (Array.isArray(account?.certWarnDays) ? [] : null),
  };
};

builder.queryField('certificateWarningDays', (t) =>
  t.field({
    type: WarnDaysRef,
    authScopes: { signedIn: true },
    description: "Your thresholds (admins: a customer's with `account`, else the default).",
    args: { account: t.arg.id() },
    resolve: async (_r, args, ctx) => {
      const viewer = ctx.viewer!;
      const accountId =
        args.account != null && isAdmin(viewer)
          ? requireNodeId(String(args.account), 'Account')
          : isAdmin(viewer)
            ? null
            : viewer.accountId;
      return readWarnDays(ctx.services.prisma, accountId);
    },
  }),
);

builder.mutationField('setCertificateWarningDays', (t) =>
  t.field({
    type: WarnDaysRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description:
      "Sets your account's thresholds (admins: any account's with `account`; null days = follow the default, [] = no warnings).",
    args: { account: t.arg.id(), days: t.arg.intList({ required: false }) },
    resolve: async (_r, args, ctx) => {
      const viewer = ctx.viewer!;
      const accountId = args.account != null ? requireNodeId(String(args.account), 'Account') : viewer.accountId;
      await setAccountWarnDays(ctx.services, viewer, accountId, args.days ?? null);
      return readWarnDays(ctx.services.prisma, accountId);
    },
  }),
);

builder.mutationField('setDefaultCertificateWarningDays', (t) =>
  t.field({
    type: WarnDaysRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: the default thresholds (30, 14, 7, 1 until changed).',
    args: { days: t.arg.intList({ required: true }) },
    resolve: async (_r, args, ctx) => {
      await setDefaultWarnDays(ctx.services, ctx.viewer!, args.days);
      return readWarnDays(ctx.services.prisma, null);
    },
  }),
);
