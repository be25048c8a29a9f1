import { createApiToken, revokeApiToken } from '../../services/auth.ts';
import { NotFoundError, ValidationError } from '../../services/errors.ts';
import { ownedWhere, seesAccount } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import { AccountRef } from './account.ts';
import { ApiTokenScopeEnum } from './enums.ts';
import { readable } from './node-access.ts';

const ApiTokenRef = builder.prismaNode('ApiToken', {
  id: { field: 'id' },
  // tenancy: another account's token is simply not found (node(id) answers null)
  nullable: true,
  findUnique: (id, ctx) => ({ id, ...ownedWhere(ctx.viewer) }),
  authScopes: (token, ctx) => seesAccount(ctx.viewer, token.accountId),
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the token, to recognise it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    scope: t.expose('scope', { type: ApiTokenScopeEnum }),
  }),
});

builder.prismaObjectField(AccountRef, 'apiTokens', (t) =>
  t.relatedConnection('apiTokens', { cursor: 'id', query: { orderBy: { createdAt: 'desc' } } }),
);

const CreatedApiToken = builder.objectRef<{ secret: string; tokenId: string }>('CreatedApiToken').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', {
      description: 'The token itself. Shown once: store it now; only its hash is kept.',
    }),
  }),
});

builder.objectField(CreatedApiToken, 'token', (t) =>
  t.prismaField({
    type: 'ApiToken',
    resolve: (query, p, _a, ctx) =>
      ctx.services.prisma.apiToken.findUniqueOrThrow({ ...readable(query), where: { id: p.tokenId } }),
  }),
);

builder.mutationField('createApiToken', (t) =>
  t.field({
    type: CreatedApiToken,
    authScopes: { signedIn: true },
    description:
      'Creates an API token for your own account, for `Authorization: Bearer <secret>`. Only from a signed-in session (INSUFFICIENT_SCOPE with a token).',
    errors: { types: [ValidationError] },
    args: {
      name: t.arg.string({ required: true }),
      expiresInDays: t.arg.int({ required: false }),
      scope: t.arg({
        type: ApiTokenScopeEnum,
        required: false,
        description: 'Default READ_WRITE. A monitoring script needs only READ.',
      }),
    },
    resolve: async (_r, args, ctx) => {
      const { token, secret } = await createApiToken(ctx.services, ctx.viewer!, {
        name: args.name,
        expiresInDays: args.expiresInDays ?? null,
        scope: args.scope ?? 'READ_WRITE',
      });
      return { secret, tokenId: token.id };
    },
  }),
);

builder.mutationField('revokeApiToken', (t) =>
  t.prismaField({
    type: 'ApiToken',
    authScopes: { signedIn: true },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true, for: ApiTokenRef }) },
    resolve: async (query, _r, args, ctx) => {
      const token = await revokeApiToken(ctx.services, ctx.viewer!, args.id.id);
      return ctx.services.prisma.apiToken.findUniqueOrThrow({ ...readable(query), where: { id: token.id } });
    },
  }),
);
