// The Pothos builder. Defines no types: each type lives in its own module under schema/.
import SchemaBuilder from '@pothos/core';
import { GraphQLError } from 'graphql';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import { isAdmin } from '../services/tenancy.ts';
import type { GraphQLContext } from './context.ts';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean; admin: boolean; customer: boolean; colocation: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    /** Input only: a list of ports or the seed's text ("21,22,23"); parsed by services/ports.ts. */
    PortList: { Input: string | unknown[]; Output: never };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      signedIn: ctx.viewer !== null,
      admin: isAdmin(ctx.viewer),
      customer: ctx.viewer?.role === 'CUSTOMER',
      colocation: ctx.viewer?.role === 'CUSTOMER' && ctx.viewer.kind === 'COLOCATION',
    }),
    unauthorizedError: (_parent, ctx, _info, result) =>
      new UnauthorizedGraphQLError(
        ctx.authProblem?.message ?? result.message,
        ctx.viewer ? 'FORBIDDEN' : (ctx.authProblem?.code ?? 'UNAUTHENTICATED'),
      ),
  },
  errors: { defaultTypes: [] },
  prisma: {
    client: (ctx) => ctx.services.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    // no warnings at run time (config.ts is the only reader of process.env; the query-count tests
    // catch resolvers that read more than they need)
    onUnusedQuery: null,
    maxConnectionSize: 200,
    defaultConnectionSize: 50,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodesOnConnection: true,
  },
});

/** A scope-auth refusal: not masked, carries a machine-readable code. */
export class UnauthorizedGraphQLError extends GraphQLError {
  constructor(message: string, code: string) {
    super(message, { extensions: { code } });
  }
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
