// Slack / Telegram / webhook destinations. A customer's belong to its account and receive the
// alerts of every monitor of the account; an admin's belong to an admin recipient. Targets are
// validated here: Slack URLs must be Slack's (SLACK_WEBHOOK_PREFIX), Telegram chat ids look like
// chat ids, webhook URLs are http(s) and — when written as an address — allowed by the IP policy
// (private ranges only when an admin allows them). Webhook secrets are generated here and shown once.
import { randomBytes } from 'node:crypto';
import type { NotifyEndpoint } from '../../generated/prisma/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import { isSlackWebhookUrl, SLACK_DEFAULT_PREFIX } from '../../notify/slack.ts';
import { isTelegramChatId } from '../../notify/telegram.ts';
import { recordAudit } from '../audit.ts';
import { ForbiddenError, NotFoundError, ValidationError, type FieldProblem, type ProblemParams } from '../errors.ts';
import { checkIp } from '../ip-policy.ts';
import { isAdmin } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';

export const ENDPOINT_CHANNELS = ['SLACK', 'TELEGRAM', 'WEBHOOK'] as const satisfies readonly Channel[];
export type EndpointChannel = (typeof ENDPOINT_CHANNELS)[number];
export const MAX_ENDPOINTS_PER_OWNER = 20;

export interface EndpointOptions {
  /** SLACK_WEBHOOK_PREFIX (default https://hooks.slack.com/). */
  slackPrefix?: string;
}

export interface EndpointInput {
  channel?: Channel | null;
  label?: string | null;
  target?: string | null;
  enabled?: boolean | null;
  /** Admins only: allow a webhook to a private/reserved address (their own systems). */
  allowPrivate?: boolean | null;
  /** Admins: the admin recipient the destination belongs to (required for admins). */
  adminRecipientId?: string | null;
}

function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new ForbiddenError('Sign in first');
  return viewer;
}

function isEndpointChannel(c: Channel | null | undefined): c is EndpointChannel {
  return c === 'SLACK' || c === 'TELEGRAM' || c === 'WEBHOOK';
}

export type TargetProblem = { problem: string; code: string; params?: ProblemParams };

export function validateTarget(
  channel: EndpointChannel,
  raw: string,
  allowPrivate: boolean,
  opts: EndpointOptions,
): { target: string } | TargetProblem {
  const target = raw.trim();
  if (!target || target.length > 2000)
    return {
      problem: 'Enter the destination (at most 2,000 characters)',
      ...(target ? { code: 'TOO_LONG', params: { max: 2000 } } : { code: 'REQUIRED' }),
    };
  if (channel === 'SLACK') {
    const prefix = opts.slackPrefix ?? SLACK_DEFAULT_PREFIX;
    return isSlackWebhookUrl(target, prefix)
      ? { target }
      : { problem: `Enter a Slack incoming-webhook URL (${prefix}services/…)`, code: 'SLACK_URL', params: { prefix } };
  }
  if (channel === 'TELEGRAM')
    return isTelegramChatId(target)
      ? { target }
      : {
          problem: 'Enter a Telegram chat id (a number such as -1001234567890, or @channelname)',
          code: 'TELEGRAM_CHAT',
        };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { problem: 'Enter a URL (https://…)', code: 'WEBHOOK_URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { problem: 'Webhook URLs must start with https:// or http://', code: 'WEBHOOK_URL' };
  if (url.username || url.password)
    return {
      problem: 'Put no user name or password in the URL: the signature authenticates the request',
      code: 'URL_CREDENTIALS',
    };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    const c = checkIp(host, { allowPrivate });
    if (!c.ok)
      return {
        problem: `${host} is not allowed: ${c.message}`,
        code: c.code,
        ...(c.params ? { params: c.params } : {}),
      };
  } else if (
    !allowPrivate &&
    (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal'))
  ) {
    return {
      problem: `${host} is a local name; only an administrator can allow private destinations`,
      code: 'LOCAL_NAME',
      params: { host },
    };
  }
  return { target };
}

async function ownerFor(
  deps: ServiceDeps,
  viewer: Viewer,
  adminRecipientId: string | null | undefined,
): Promise<{ accountId: string | null; adminRecipientId: string | null }> {
  if (!isAdmin(viewer)) {
    if (adminRecipientId) throw new ForbiddenError('Only administrators manage admin recipients');
    return { accountId: viewer.accountId, adminRecipientId: null };
  }
  if (!adminRecipientId)
    throw ValidationError.field(
      ['input', 'adminRecipient'],
      'Choose the admin recipient this destination belongs to',
      'REQUIRED',
    );
  const r = await deps.prisma.adminRecipient.findUnique({ where: { id: adminRecipientId }, select: { id: true } });
  if (!r) throw new NotFoundError('Admin recipient');
  return { accountId: null, adminRecipientId: r.id };
}

/** The probe re-reads a monitor's contact (with the account's destinations) when the monitor changes. */
async function touchMonitors(deps: ServiceDeps, accountId: string | null): Promise<void> {
  if (!accountId) return;
  const monitors = await deps.prisma.monitor.findMany({ where: { accountId, deletedAt: null }, select: { id: true } });
  if (!monitors.length) return;
  await deps.prisma.monitor.updateMany({
    where: { id: { in: monitors.map((m) => m.id) } },
    data: { updatedAt: deps.now() },
  });
  for (const m of monitors) deps.signals.monitorChanged.emit(m.id);
}

export function listEndpoints(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: { adminRecipientId?: string | null } = {},
): Promise<NotifyEndpoint[]> {
  const v = requireViewer(viewer);
  const where = isAdmin(v)
    ? opts.adminRecipientId
      ? { adminRecipientId: opts.adminRecipientId }
      : { adminRecipientId: { not: null } }
    : { accountId: v.accountId };
  return deps.prisma.notifyEndpoint.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function findEndpoint(deps: ServiceDeps, viewer: Viewer | null, id: string): Promise<NotifyEndpoint> {
  const v = requireViewer(viewer);
  const e = await deps.prisma.notifyEndpoint.findUnique({ where: { id } });
  // a customer sees only its own; admins see the admin recipients' (customers' destinations are theirs)
  if (!e || (isAdmin(v) ? e.adminRecipientId === null : e.accountId !== v.accountId))
    throw new NotFoundError('Destination');
  return e;
}

export async function createEndpoint(
  deps: ServiceDeps,
  viewer: Viewer | null,
  input: EndpointInput,
  opts: EndpointOptions = {},
): Promise<{ endpoint: NotifyEndpoint; secret: string | null }> {
  const v = requireViewer(viewer);
  const problems: FieldProblem[] = [];
  if (!isEndpointChannel(input.channel))
    throw ValidationError.field(['input', 'channel'], 'Choose SLACK, TELEGRAM or WEBHOOK', 'ONE_OF', {
      values: 'SLACK, TELEGRAM, WEBHOOK',
    });
  const channel = input.channel;
  const label = (input.label ?? '').trim();
  if (!label || label.length > 100)
    problems.push({
      path: ['input', 'label'],
      message: 'Enter a name (at most 100 characters)',
      ...(label ? { code: 'TOO_LONG', params: { max: 100 } } : { code: 'REQUIRED' }),
    });
  if (input.allowPrivate && !isAdmin(v))
    problems.push({
      path: ['input', 'allowPrivate'],
      message: 'Only an administrator can allow private addresses',
      code: 'ADMIN_ONLY',
    });
  const allowPrivate = channel === 'WEBHOOK' && isAdmin(v) && input.allowPrivate === true;
  const t = validateTarget(channel, input.target ?? '', allowPrivate, opts);
  if ('problem' in t)
    problems.push({
      path: ['input', 'target'],
      message: t.problem,
      code: t.code,
      ...(t.params ? { params: t.params } : {}),
    });
  if (problems.length) throw new ValidationError(problems);
  const owner = await ownerFor(deps, v, input.adminRecipientId);
  const count = await deps.prisma.notifyEndpoint.count({
    where: owner.accountId ? { accountId: owner.accountId } : { adminRecipientId: owner.adminRecipientId },
  });
  if (count >= MAX_ENDPOINTS_PER_OWNER)
    throw ValidationError.field(['input', 'channel'], `At most ${MAX_ENDPOINTS_PER_OWNER} destinations`, 'TOO_MANY', {
      max: MAX_ENDPOINTS_PER_OWNER,
    });
  const secret = channel === 'WEBHOOK' ? `whsec_${randomBytes(32).toString('base64url')}` : null;
  const endpoint = await deps.prisma.$transaction(async (tx) => {
    const e = await tx.notifyEndpoint.create({
      data: {
        ...owner,
        channel,
        label,
        target: 'target' in t ? t.target : '',
        secret,
        enabled: input.enabled ?? true,
        allowPrivate,
        createdAt: deps.now(),
      },
    });
    await recordAudit(tx, v, {
      action: 'notifyEndpoint.create',
      targetType: 'NotifyEndpoint',
      targetId: e.id,
      detail: { channel, label },
    });
    return e;
  });
  await touchMonitors(deps, endpoint.accountId);
  return { endpoint, secret };
}

export async function updateEndpoint(
  deps: ServiceDeps,
  viewer: Viewer | null,
  id: string,
  input: EndpointInput,
  opts: EndpointOptions = {},
): Promise<NotifyEndpoint> {
  const v = requireViewer(viewer);
  const current = await findEndpoint(deps, v, id);
  const channel = current.channel as EndpointChannel;
  const problems: FieldProblem[] = [];
  const label = input.label != null ? input.label.trim() : current.label;
  if (!label || label.length > 100)
    problems.push({
      path: ['input', 'label'],
      message: 'Enter a name (at most 100 characters)',
      ...(label ? { code: 'TOO_LONG', params: { max: 100 } } : { code: 'REQUIRED' }),
    });
  if (input.allowPrivate != null && !isAdmin(v))
    problems.push({
      path: ['input', 'allowPrivate'],
      message: 'Only an administrator can allow private addresses',
      code: 'ADMIN_ONLY',
    });
  const allowPrivate =
    channel === 'WEBHOOK' && (isAdmin(v) && input.allowPrivate != null ? input.allowPrivate : current.allowPrivate);
  const t = validateTarget(channel, input.target ?? current.target, allowPrivate, opts);
  if ('problem' in t)
    problems.push({
      path: ['input', 'target'],
      message: t.problem,
      code: t.code,
      ...(t.params ? { params: t.params } : {}),
    });
  if (problems.length) throw new ValidationError(problems);
  const updated = await deps.prisma.$transaction(async (tx) => {
    const e = await tx.notifyEndpoint.update({
      where: { id },
      data: {
        label,
        target: 'target' in t ? t.target : current.target,
        allowPrivate,
        ...(input.enabled != null ? { enabled: input.enabled } : {}),
      },
    });
    await recordAudit(tx, v, { action: 'notifyEndpoint.update', targetType: 'NotifyEndpoint', targetId: id });
    return e;
  });
  await touchMonitors(deps, updated.accountId);
  return updated;
}

/** A new webhook secret (the old one stops working at once); shown once. */
export async function rotateEndpointSecret(
  deps: ServiceDeps,
  viewer: Viewer | null,
  id: string,
): Promise<{ endpoint: NotifyEndpoint; secret: string }> {
  const v = requireViewer(viewer);
  const current = await findEndpoint(deps, v, id);
  if (current.channel !== 'WEBHOOK')
    throw ValidationError.field(['id'], 'Only webhooks have a signing secret', 'WEBHOOK_ONLY');
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const endpoint = await deps.prisma.$transaction(async (tx) => {
    const e = await tx.notifyEndpoint.update({ where: { id }, data: { secret } });
    await recordAudit(tx, v, { action: 'notifyEndpoint.rotateSecret', targetType: 'NotifyEndpoint', targetId: id });
    return e;
  });
  return { endpoint, secret };
}

export async function deleteEndpoint(deps: ServiceDeps, viewer: Viewer | null, id: string): Promise<NotifyEndpoint> {
  const v = requireViewer(viewer);
  const current = await findEndpoint(deps, v, id);
  await deps.prisma.$transaction(async (tx) => {
    await tx.notifyEndpoint.delete({ where: { id } });
    await recordAudit(tx, v, {
      action: 'notifyEndpoint.delete',
      targetType: 'NotifyEndpoint',
      targetId: id,
      detail: { label: current.label },
    });
  });
  await touchMonitors(deps, current.accountId);
  return current;
}
