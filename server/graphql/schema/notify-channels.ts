// Notification channels beyond mail and SMS: Slack / Telegram / webhook destinations (a
// customer's for its account, an admin recipient's), the AlimTalk template codes, which channels
// this server has configured, and "send a test notification" per channel.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { NotifyEndpoint } from '../../generated/prisma/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import {
  ALIMTALK_TEMPLATE_KEYS,
  ALIMTALK_TEMPLATES,
  templateVariables,
  type AlimtalkTemplateKey,
} from '../../notify/alimtalk/templates.ts';
import { recordAudit } from '../../services/audit.ts';
import { ValidationError } from '../../services/errors.ts';
import { endpointRecipient } from '../../services/notify-endpoints/info.ts';
import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../services/notify-endpoints/endpoints.ts';
import {
  ALIMTALK_TEMPLATES_KEY,
  getAlimtalkTemplateCodes,
  templateCodesSchema,
} from '../../services/notify-endpoints/templates.ts';
import type { TestResult } from '../../services/notify-endpoints/test-send.ts';
import { builder } from '../builder.ts';
import { ChannelEnum, LanguageEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { inputNodeId, requireNodeId } from './node-access.ts';

const NotifyEndpointRef = builder.objectRef<NotifyEndpoint>('NotifyEndpoint').implement({
  description: 'A Slack incoming webhook, a Telegram chat or a signed webhook URL that receives alerts.',
  fields: (t) => ({
    id: t.id({ resolve: (e) => encodeGlobalID('NotifyEndpoint', e.id) }),
    channel: t.expose('channel', { type: ChannelEnum }),
    label: t.exposeString('label'),
    recipient: t.string({
      description:
        'How the ledger names it (no secret: a Slack URL without its token, a webhook URL without its query).',
      resolve: (e) => endpointRecipient(e.channel, e.target),
    }),
    target: t.string({
      description: 'The Telegram chat id or webhook URL; Slack URLs are not shown again (they are secrets).',
      resolve: (e) => (e.channel === 'SLACK' ? endpointRecipient(e.channel, e.target) : e.target),
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Off: alerts get a ledger row with status NO.' }),
    allowPrivate: t.exposeBoolean('allowPrivate', {
      description: 'An admin allowed a private or reserved address (webhooks).',
    }),
    adminRecipient: t.id({
      nullable: true,
      resolve: (e) => (e.adminRecipientId ? encodeGlobalID('AdminRecipient', e.adminRecipientId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedEndpointRef = builder
  .objectRef<{ endpoint: NotifyEndpoint; secret: string | null }>('NotifyEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: NotifyEndpointRef, resolve: (r) => r.endpoint }),
      secret: t.exposeString('secret', {
        nullable: true,
        description: 'Webhooks: the signing secret, shown this once (see docs/webhooks.md).',
      }),
    }),
  });

builder.queryField('notifyEndpoints', (t) =>
  t.field({
    type: [NotifyEndpointRef],
    authScopes: { signedIn: true },
    description:
      "Your account's Slack / Telegram / webhook destinations (used for every monitor). Admins: the admin recipients' (one with `adminRecipient`).",
    args: { adminRecipient: t.arg.id() },
    resolve: (_r, args, ctx) =>
      listEndpoints(ctx.services, ctx.viewer, {
        adminRecipientId:
          args.adminRecipient != null
            ? requireNodeId(String(args.adminRecipient), 'AdminRecipient', 'Admin recipient')
            : null,
      }),
  }),
);

const EndpointInput = builder.inputType('NotifyEndpointInput', {
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, description: 'SLACK, TELEGRAM or WEBHOOK (create only).' }),
    label: t.string({ description: 'A name for people ("ops channel").' }),
    target: t.string({ description: 'SLACK: the incoming-webhook URL; TELEGRAM: the chat id; WEBHOOK: the URL.' }),
    enabled: t.boolean(),
    allowPrivate: t.boolean({
      description: 'Admins: allow a webhook to a private/reserved address (their own systems).',
    }),
    adminRecipient: t.id({ description: 'Admins: the admin recipient it belongs to (create only).' }),
  }),
});

builder.mutationField('createNotifyEndpoint', (t) =>
  t.field({
    type: CreatedEndpointRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { input: t.arg({ type: EndpointInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      createEndpoint(
        ctx.services,
        ctx.viewer,
        {
          channel: input.channel ?? null,
          label: input.label ?? null,
          target: input.target ?? null,
          enabled: input.enabled ?? null,
          allowPrivate: input.allowPrivate ?? null,
          adminRecipientId: inputNodeId(
            input.adminRecipient != null ? String(input.adminRecipient) : null,
            'AdminRecipient',
            ['input', 'adminRecipient'],
            'No such admin recipient',
          ),
        },
        ctx.services.channelOptions ?? {},
      ),
  }),
);

builder.mutationField('updateNotifyEndpoint', (t) =>
  t.field({
    type: NotifyEndpointRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: EndpointInput, required: true }) },
    resolve: (_r, { id, input }, ctx) =>
      updateEndpoint(
        ctx.services,
        ctx.viewer,
        requireNodeId(String(id), 'NotifyEndpoint', 'Destination'),
        {
          label: input.label ?? null,
          target: input.target ?? null,
          enabled: input.enabled ?? null,
          allowPrivate: input.allowPrivate ?? null,
        },
        ctx.services.channelOptions ?? {},
      ),
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: CreatedEndpointRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'A new signing secret for a webhook (the old one stops working at once); shown once.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      rotateEndpointSecret(ctx.services, ctx.viewer, requireNodeId(String(id), 'NotifyEndpoint', 'Destination')),
  }),
);

const DeletedEndpointRef = builder
  .objectRef<{ id: string }>('DeletedNotifyEndpoint')
  .implement({ fields: (t) => ({ id: t.exposeID('id') }) });

builder.mutationField('deleteNotifyEndpoint', (t) =>
  t.field({
    type: DeletedEndpointRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      await deleteEndpoint(ctx.services, ctx.viewer, requireNodeId(String(id), 'NotifyEndpoint', 'Destination'));
      return { id: String(id) };
    },
  }),
);

builder.prismaObjectField('AdminRecipient', 'endpoints', (t) =>
  t.field({
    type: [NotifyEndpointRef],
    description: "This recipient's Slack / Telegram / webhook destinations.",
    resolve: (r, _a, ctx) => listEndpoints(ctx.services, ctx.viewer, { adminRecipientId: r.id }),
  }),
);

interface ChannelsInfo {
  email: boolean;
  sms: string;
  alimtalk: boolean;
  telegram: boolean;
  slackPrefix: string;
}

const ChannelsInfoRef = builder.objectRef<ChannelsInfo>('NotificationChannels').implement({
  description: 'Which channels this server can send through (the rest make ledger rows NO with the reason).',
  fields: (t) => ({
    email: t.exposeBoolean('email', { description: 'SMTP_URL is set.' }),
    sms: t.exposeString('sms', { description: 'SMS_PROVIDER: nhn, twilio or none.' }),
    alimtalk: t.exposeBoolean('alimtalk', { description: 'NHN_ALIMTALK_* are set.' }),
    telegram: t.exposeBoolean('telegram', { description: 'TELEGRAM_BOT_TOKEN is set.' }),
    slackPrefix: t.exposeString('slackPrefix', { description: 'Slack webhook URLs must start with this.' }),
  }),
});

builder.queryField('notificationChannels', (t) =>
  t.field({
    type: ChannelsInfoRef,
    authScopes: { signedIn: true },
    resolve: (_r, _a, ctx) => {
      const o = ctx.services.channelOptions;
      return {
        email: o?.email ?? false,
        sms: o?.sms ?? 'none',
        alimtalk: o?.alimtalk ?? false,
        telegram: o?.telegram ?? false,
        slackPrefix: o?.slackPrefix ?? 'https://hooks.slack.com/',
      };
    },
  }),
);

interface TemplateRow {
  key: AlimtalkTemplateKey;
  codeKo: string;
  codeEn: string;
}

const TemplateRef = builder.objectRef<TemplateRow>('AlimtalkTemplate').implement({
  description: 'One AlimTalk template: the text to register with Kakao and the codes Kakao approved.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'DOWN, RECOVERED, CLOSED, REMINDER or CERT_EXPIRY.' }),
    codeKo: t.exposeString('codeKo', {
      description: 'Approved template code, Korean ("" = not registered: those messages go by SMS).',
    }),
    codeEn: t.exposeString('codeEn'),
    textKo: t.string({ resolve: (r) => ALIMTALK_TEMPLATES[r.key].ko }),
    textEn: t.string({ resolve: (r) => ALIMTALK_TEMPLATES[r.key].en }),
    variables: t.stringList({ resolve: (r) => templateVariables(ALIMTALK_TEMPLATES[r.key].ko) }),
  }),
});

async function templateRows(prisma: Parameters<typeof getAlimtalkTemplateCodes>[0]): Promise<TemplateRow[]> {
  const codes = await getAlimtalkTemplateCodes(prisma);
  return ALIMTALK_TEMPLATE_KEYS.map((key) => ({ key, codeKo: codes[key]?.ko ?? '', codeEn: codes[key]?.en ?? '' }));
}

builder.queryField('alimtalkTemplates', (t) =>
  t.field({
    type: [TemplateRef],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => templateRows(ctx.services.prisma),
  }),
);

const TemplateCodeInput = builder.inputType('AlimtalkTemplateCodeInput', {
  fields: (t) => ({
    key: t.string({ required: true }),
    codeKo: t.string(),
    codeEn: t.string(),
  }),
});

builder.mutationField('setAlimtalkTemplateCodes', (t) =>
  t.field({
    type: [TemplateRef],
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: the template codes Kakao approved (only the keys given change).',
    args: { input: t.arg({ type: [TemplateCodeInput], required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const current = await getAlimtalkTemplateCodes(ctx.services.prisma);
      const next: Record<string, { ko?: string; en?: string }> = { ...current };
      input.forEach((row, i) => {
        if (!(ALIMTALK_TEMPLATE_KEYS as readonly string[]).includes(row.key))
          throw ValidationError.field(
            ['input', String(i), 'key'],
            `One of ${ALIMTALK_TEMPLATE_KEYS.join(', ')}`,
            'ONE_OF',
            { values: ALIMTALK_TEMPLATE_KEYS.join(', ') },
          );
        next[row.key] = {
          ...(next[row.key] ?? {}),
          ...(row.codeKo != null ? { ko: row.codeKo.trim() } : {}),
          ...(row.codeEn != null ? { en: row.codeEn.trim() } : {}),
        };
      });
      const parsed = templateCodesSchema.safeParse(next);
      if (!parsed.success)
        throw new ValidationError(
          parsed.error.issues.map((iss) => ({ path: ['input', ...iss.path.map(String)], message: iss.message })),
        );
      await ctx.services.prisma.$transaction(async (tx) => {
        await tx.setting.upsert({
          where: { key: ALIMTALK_TEMPLATES_KEY },
          create: { key: ALIMTALK_TEMPLATES_KEY, value: parsed.data },
          update: { value: parsed.data },
        });
        await recordAudit(tx, ctx.viewer, {
          action: 'settings.alimtalkTemplates',
          targetType: 'Setting',
          targetId: ALIMTALK_TEMPLATES_KEY,
          detail: parsed.data,
        });
      });
      return templateRows(ctx.services.prisma);
    },
  }),
);

const TestResultRef = builder.objectRef<TestResult>('TestNotificationResult').implement({
  description: 'What the channel answered to a test message (nothing is written to the ledger).',
  fields: (t) => ({
    channel: t.expose('channel', { type: ChannelEnum }),
    recipient: t.exposeString('recipient'),
    status: t.exposeString('status', {
      description: 'SENT, RETRY (temporary failure), FAILED or NOT_SENT (channel not configured).',
    }),
    detail: t.exposeString('detail', { description: "The provider's words." }),
  }),
});

const TestInput = builder.inputType('TestNotificationInput', {
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, required: true }),
    endpoint: t.id({ description: 'SLACK / TELEGRAM / WEBHOOK: the destination.' }),
    to: t.string({
      description: 'EMAIL / SMS / ALIMTALK: the address or number (default your own; customers: only their own).',
    }),
    language: t.field({ type: LanguageEnum }),
  }),
});

builder.mutationField('sendTestNotification', (t) =>
  t.field({
    type: TestResultRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'Sends a test message through one channel now and answers with the outcome.',
    args: { input: t.arg({ type: TestInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const endpointId = inputNodeId(
        input.endpoint != null ? String(input.endpoint) : null,
        'NotifyEndpoint',
        ['input', 'endpoint'],
        'No such destination',
      );
      if (endpointId) await findEndpoint(ctx.services, ctx.viewer, endpointId);
      if (!ctx.services.testNotifier)
        return {
          channel: input.channel as Channel,
          recipient: '',
          status: 'NOT_SENT' as const,
          detail: 'not sent: this process does not send notifications',
        };
      return ctx.services.testNotifier.send(ctx.viewer, {
        channel: input.channel,
        endpointId,
        to: input.to ?? null,
        language: input.language ?? null,
      });
    },
  }),
);
