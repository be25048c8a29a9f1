// Live events are executed once per audience (operation, variables, viewer's role, account and
// language) and the one result is handed to every subscriber of that audience; the subscribe
// resolver (the tenancy check) still runs for every subscriber, and audiences never mix.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { audienceCount, sharedEventsPlugin } from '../../server/graphql/shared-events.ts';

type Viewer = { role: 'ADMIN' | 'CUSTOMER'; accountId: string; language: 'ko' | 'en' };

function setup() {
  const pubsub = createPubSub<{ tick: [{ n: number }] }>();
  const counts = { executions: 0, subscribes: 0 };
  const schema = createSchema<{ viewer: Viewer }>({
    typeDefs:
      'type Query { x: Int } type Tick { n: Int! seenBy: String! } type Subscription { tick(tag: String): Tick! }',
    resolvers: {
      Subscription: {
        tick: {
          subscribe: (_root: unknown, _args: unknown, ctx: { viewer: Viewer }) => {
            counts.subscribes += 1;
            if (ctx.viewer.accountId === 'stranger')
              throw new GraphQLError('Monitor not found', { extensions: { code: 'NOT_FOUND' } });
            return pubsub.subscribe('tick');
          },
          resolve: (e: { n: number }) => e,
        },
      },
      Tick: {
        n: (e: { n: number }) => {
          counts.executions += 1;
          return e.n;
        },
        seenBy: (_e: unknown, _a: unknown, ctx: { viewer: Viewer }) => `${ctx.viewer.accountId}/${ctx.viewer.language}`,
      },
    },
  });
  const yoga = createYoga({ schema, plugins: [sharedEventsPlugin()] });
  async function open(viewer: Viewer, tag: string | null = null) {
    const { subscribe, contextFactory, parse, schema: s } = yoga.getEnveloped({ viewer });
    const document = parse('subscription($t: String) { tick(tag: $t) { n seenBy } }');
    return (await subscribe({
      schema: s,
      document,
      variableValues: { t: tag },
      contextValue: await contextFactory(),
    })) as AsyncIterableIterator<ExecutionResult> | ExecutionResult;
  }
  return { pubsub, counts, open };
}

const a: Viewer = { role: 'CUSTOMER', accountId: 'a', language: 'ko' };

describe('live events executed once per audience', () => {
  it('one execution per distinct (operation, variables, visibility), the right data for each subscriber', async () => {
    const { pubsub, counts, open } = setup();
    const subs = [
      await open(a),
      await open(a),
      await open(a), // one audience
      await open({ ...a, language: 'en' }), // another language
      await open({ ...a, accountId: 'b' }), // another account
      await open({ ...a, role: 'ADMIN' }), // another role
      await open(a, 'x'), // other variables
    ] as AsyncIterableIterator<ExecutionResult>[];
    const next = subs.map((s) => s.next());
    await new Promise((r) => setTimeout(r, 10)); // the subscriptions are listening
    pubsub.publish('tick', { n: 7 });
    const got = (await Promise.all(next)).map((r) => r.value as ExecutionResult);
    expect(got.map((r) => r.data)).toEqual([
      { tick: { n: 7, seenBy: 'a/ko' } },
      { tick: { n: 7, seenBy: 'a/ko' } },
      { tick: { n: 7, seenBy: 'a/ko' } },
      { tick: { n: 7, seenBy: 'a/en' } },
      { tick: { n: 7, seenBy: 'b/ko' } },
      { tick: { n: 7, seenBy: 'a/ko' } },
      { tick: { n: 7, seenBy: 'a/ko' } },
    ]);
    expect(counts.executions).toBe(5); // 7 subscribers, 5 audiences
    expect(counts.subscribes).toBe(7); // the subscribe resolver (tenancy check) ran for each
    // a second event is executed afresh
    const again = subs.map((s) => s.next());
    pubsub.publish('tick', { n: 8 });
    expect((await Promise.all(again)).map((r) => (r.value as ExecutionResult).data)).toHaveLength(7);
    expect(counts.executions).toBe(10);
    for (const s of subs) expect(await s.return?.()).toEqual({ done: true, value: undefined });
  });

  it('subscribers of one audience hold one audience; a late reader still gets each event’s own result', async () => {
    const { pubsub, counts, open } = setup();
    const c: Viewer = { role: 'CUSTOMER', accountId: 'c', language: 'ko' };
    const before = audienceCount();
    const [fast, slow, other] = (await Promise.all([
      open(c),
      open(c),
      open({ ...c, language: 'en' }),
    ])) as AsyncIterableIterator<ExecutionResult>[];
    expect(audienceCount() - before).toBe(2); // three subscribers, two audiences
    const first = [fast!.next(), other!.next()];
    const late = slow!.next();
    await new Promise((r) => setTimeout(r, 10));
    pubsub.publish('tick', { n: 1 });
    await Promise.all(first);
    const second = fast!.next();
    pubsub.publish('tick', { n: 2 });
    expect(((await second).value as ExecutionResult).data).toEqual({ tick: { n: 2, seenBy: 'c/ko' } });
    // the slow subscriber reads event 1 after its audience moved on to event 2
    expect(((await late).value as ExecutionResult).data).toEqual({ tick: { n: 1, seenBy: 'c/ko' } });
    expect(((await slow!.next()).value as ExecutionResult).data).toEqual({ tick: { n: 2, seenBy: 'c/ko' } });
    expect(counts.executions).toBe(3); // event 1 for both audiences, event 2 for one so far
    for (const s of [fast, slow, other]) await s!.return?.();
  });

  it('a refused subscriber gets its error, and nothing of the others', async () => {
    const { open } = setup();
    const refused = (await open({ ...a, accountId: 'stranger' })) as ExecutionResult;
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('unsubscribing ends the stream at once, without waiting for an event', async () => {
    const { open } = setup();
    const s = (await open(a)) as AsyncIterableIterator<ExecutionResult>;
    const pending = s.next();
    await s.return?.();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });
});
