// Your profile (password, language, time zone), an admin's password reset of a customer, and
// "forgot password" (public: a one-time link by mail). services/account-password.ts does the work.
import {
  adminResetPassword,
  changePassword,
  requestPasswordReset,
  resetPasswordWithLink,
  updatePreferences,
  type AdminResetResult,
  type PasswordDeps,
} from '../../services/account-password.ts';
import { AuthError, ForbiddenError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { AccountRef } from './account.ts';
import type { GraphQLContext } from '../context.ts';
import { LanguageEnum } from './enums.ts';
import { requireNodeId } from './node-access.ts';

const deps = (ctx: GraphQLContext): PasswordDeps => ({ ...ctx.services, mailer: ctx.services.mailer ?? null });

const PasswordChanged = builder.objectRef<{ endedSessions: number }>('PasswordChanged').implement({
  fields: (t) => ({
    endedSessions: t.exposeInt('endedSessions', {
      description: 'How many other sessions of the account were signed out.',
    }),
  }),
});

builder.mutationField('changePassword', (t) =>
  t.field({
    type: PasswordChanged,
    authScopes: { signedIn: true },
    description:
      'Changes your own password (with the current one), from a signed-in session. Your other sessions end. Wrong current passwords are throttled (RATE_LIMITED).',
    errors: { types: [ValidationError, ForbiddenError, AuthError] },
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) =>
      changePassword(deps(ctx), ctx.viewer!, { currentPassword: args.currentPassword, newPassword: args.newPassword }),
  }),
);

const PreferencesInput = builder.inputType('PreferencesInput', {
  fields: (t) => ({
    language: t.field({ type: LanguageEnum, required: false }),
    timeZone: t.string({ required: false, description: 'An IANA time zone, e.g. Asia/Seoul.' }),
  }),
});

builder.mutationField('updatePreferences', (t) =>
  t.field({
    type: AccountRef,
    authScopes: { signedIn: true },
    description: 'Your language and time zone (pages, dates and the messages sent to you).',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: PreferencesInput, required: true }) },
    // a plain field returning the updated row: a prismaField would hand Prisma an empty selection
    // when the caller asks only for the error types
    resolve: (_r, { input }, ctx) =>
      updatePreferences(ctx.services, ctx.viewer!, {
        language: input.language ?? null,
        timeZone: input.timeZone ?? null,
      }),
  }),
);

const ResetMethodEnum = builder.enumType('PasswordResetMethod', {
  values: {
    MAIL_LINK: { description: "A one-time link to the account's e-mail address (needs SMTP), valid 24 hours." },
    GENERATE: { description: "A new random password, shown once in the answer; the customer's sessions end." },
  } as const,
});

const AdminReset = builder.objectRef<AdminResetResult>('PasswordReset').implement({
  fields: (t) => ({
    method: t.field({ type: ResetMethodEnum, resolve: (r) => r.method }),
    password: t.exposeString('password', {
      nullable: true,
      description: 'GENERATE: the new password. Shown once: it is never stored in clear.',
    }),
    sentTo: t.exposeString('sentTo', { nullable: true, description: 'MAIL_LINK: the address the link went to.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'MAIL_LINK: when the link stops working.',
    }),
    endedSessions: t.exposeInt('endedSessions'),
  }),
});

builder.mutationField('resetCustomerPassword', (t) =>
  t.field({
    type: AdminReset,
    authScopes: { admin: true },
    description:
      "Admin: resets a customer's password: a one-time link by mail (MAIL_LINK) or a generated password shown once (GENERATE).",
    errors: { types: [ValidationError, NotFoundError, ForbiddenError] },
    args: { account: t.arg.id({ required: true }), method: t.arg({ type: ResetMethodEnum, required: true }) },
    resolve: (_r, args, ctx) =>
      adminResetPassword(deps(ctx), ctx.viewer!, {
        accountId: requireNodeId(String(args.account), 'Account', 'Customer'),
        method: args.method,
      }),
  }),
);

const ResetRequested = builder.objectRef<{ mailConfigured: boolean }>('PasswordResetRequested').implement({
  fields: (t) => ({
    mailConfigured: t.exposeBoolean('mailConfigured', {
      description:
        'False: this installation has no SMTP server, so no link can be mailed (ask your provider). True: if the login id or address belongs to an account, a link is on its way (the answer is the same when it does not).',
    }),
  }),
});

builder.mutationField('requestPasswordReset', (t) =>
  t.field({
    type: ResetRequested,
    description:
      '"Forgot password" (no sign-in): mails a one-time link, valid 60 minutes, to the account with this login id or e-mail address. Never says whether one exists. Throttled (RATE_LIMITED).',
    errors: { types: [ValidationError, AuthError] },
    args: { loginId: t.arg.string({ required: true, description: 'A login id or an e-mail address.' }) },
    resolve: (_r, args, ctx) => requestPasswordReset(deps(ctx), { who: args.loginId, address: ctx.address }),
  }),
);

const ResetDone = builder.objectRef<{ loginId: string }>('PasswordResetDone').implement({
  fields: (t) => ({
    loginId: t.exposeString('loginId', { description: 'The account whose password was set (to sign in with).' }),
  }),
});

builder.mutationField('resetPassword', (t) =>
  t.field({
    type: ResetDone,
    description:
      'Sets a new password with the secret of a reset link (no sign-in). The link works once; every session of the account ends. An expired, used or unknown link is a ValidationError on `token` (RESET_LINK_INVALID).',
    errors: { types: [ValidationError, AuthError] },
    args: { token: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) =>
      resetPasswordWithLink(deps(ctx), { token: args.token, newPassword: args.newPassword, address: ctx.address }),
  }),
);
