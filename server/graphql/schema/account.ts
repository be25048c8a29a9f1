import { loginWithPassword, logout, SESSION_COOKIE } from '../../services/auth.ts';
import { AuthError, ValidationError } from '../../services/errors.ts';
import { accountWhere, seesAccount } from '../../services/tenancy.ts';
import { builder, UnauthorizedGraphQLError } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { CustomerKindEnum, LanguageEnum, RoleEnum } from './enums.ts';

export const AccountRef = builder.prismaNode('Account', {
  id: { field: 'id' },
  // tenancy: another customer's account is simply not found (node(id) answers null)
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accountWhere(ctx.viewer)] }),
  authScopes: (account, ctx) => seesAccount(ctx.viewer, account.id),
  fields: (t) => ({
    loginId: t.exposeString('loginId'),
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    phone: t.exposeString('phone', { nullable: true }),
    role: t.expose('role', { type: RoleEnum }),
    kind: t.expose('kind', { type: CustomerKindEnum, nullable: true }),
    representativeIp: t.exposeString('representativeIp', { nullable: true }),
    language: t.expose('language', { type: LanguageEnum }),
    timeZone: t.exposeString('timeZone'),
    portLimit: t.exposeInt('portLimit'),
    disabled: t.boolean({ resolve: (a) => a.disabledAt !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'Account',
    nullable: true,
    description:
      'The signed-in account (session cookie or API token), or null when none was sent. A bad or revoked API token is an error (TOKEN_INVALID, TOKEN_REVOKED), not anonymous.',
    resolve: (query, _root, _args, ctx) => {
      const problem = ctx.authProblem;
      if (!ctx.viewer && problem && (problem.code === 'TOKEN_INVALID' || problem.code === 'TOKEN_REVOKED'))
        throw new UnauthorizedGraphQLError(problem.message, problem.code);
      return ctx.viewer
        ? ctx.services.prisma.account.findUnique({ ...query, where: { id: ctx.viewer.accountId } })
        : null;
    },
  }),
);

function sessionCookie(ctx: GraphQLContext, value: string, maxAgeSeconds: number) {
  const secure = ctx.services.secureCookies ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

const LoginPayload = builder.objectRef<{ expiresAt: Date; accountId: string }>('LoginPayload').implement({
  fields: (t) => ({
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.objectField(LoginPayload, 'account', (t) =>
  t.prismaField({
    type: 'Account',
    resolve: (query, payload, _args, ctx) =>
      ctx.services.prisma.account.findUniqueOrThrow({ ...query, where: { id: payload.accountId } }),
  }),
);

builder.mutationField('login', (t) =>
  t.field({
    type: LoginPayload,
    description: 'Signs in with a login id and password; sets an HttpOnly session cookie.',
    errors: { types: [AuthError, ValidationError] },
    args: {
      loginId: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const result = await loginWithPassword(ctx.services, {
        loginId: args.loginId,
        password: args.password,
        address: ctx.address,
        userAgent: ctx.userAgent,
      });
      ctx.setCookie(sessionCookie(ctx, result.cookieValue, Math.floor(ctx.services.sessionTtlMs / 1000)));
      ctx.viewer = result.viewer;
      return { expiresAt: result.expiresAt, accountId: result.account.id };
    },
  }),
);

builder.mutationField('logout', (t) =>
  t.boolean({
    description: 'Ends the current session and clears its cookie. True when a session was ended.',
    resolve: async (_root, _args, ctx) => {
      const ended = await logout(ctx.services, ctx.viewer);
      ctx.setCookie(sessionCookie(ctx, '', 0));
      return ended;
    },
  }),
);
