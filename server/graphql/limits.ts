// Per-identity rate limit on mutations (HTTP and WebSocket alike: both run Yoga's execute).
// Each root mutation field counts once against the signed-in account, or against the client
// address when nobody is signed in; over the limit the operation is refused before it runs.
import { getOperationAST, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.ts';

export function mutationRateLimit(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const op = getOperationAST(args.document, args.operationName ?? undefined);
      if (op?.operation !== 'mutation') return;
      const ctx = args.contextValue;
      const limiter = ctx.services.mutationLimiter;
      const key = ctx.viewer ? `account:${ctx.viewer.accountId}` : `address:${ctx.address ?? 'unknown'}`;
      const now = ctx.services.now().getTime();
      const wait = limiter.blockedFor(key, now);
      if (wait > 0) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(`Too many changes; try again in ${wait} s`, {
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds: wait },
            }),
          ],
        });
        return;
      }
      for (let i = 0; i < op.selectionSet.selections.length; i++) limiter.fail(key, now);
    },
  };
}
