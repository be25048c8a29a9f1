// Limits: a per-identity rate limit on mutations (HTTP and WebSocket), and introspection and
// GraphiQL off in production mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../server/services/rate-limit.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { customer, signIn } from './api-helpers.ts';

const MUTATION = `mutation { pauseMonitor(id: "TW9uaXRvcjpub3Bl") { __typename } }`;

describe(`limits (${backend})`, () => {
  let app: TestApp;
  let prod: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    await customer(app.db.prisma, 'alice');
    await customer(app.db.prisma, 'bob');
    app.services.mutationLimiter = createRateLimiter({ max: 3, windowMs: 60_000 });
    prod = await startTestApp({ NODE_ENV: 'production', GRAPHIQL: 'true' });
  });
  afterAll(async () => {
    await app?.close();
    await prod?.close();
  });

  it('limits mutations per identity; queries and other identities are not affected', async () => {
    const alice = await signIn(app, 'alice');
    const bob = await signIn(app, 'bob');
    for (let i = 0; i < 3; i++) {
      const r = await app.gql(MUTATION, {}, alice);
      expect(r.body.data).toEqual({ pauseMonitor: { __typename: 'NotFoundError' } });
    }
    const limited = await app.gql(MUTATION, {}, alice);
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    expect(limited.body.data ?? null).toBeNull();
    expect((await app.gql(`{ viewer { loginId } }`, {}, alice)).body.data).toEqual({ viewer: { loginId: 'alice' } });
    expect((await app.gql(MUTATION, {}, bob)).body.data).toEqual({ pauseMonitor: { __typename: 'NotFoundError' } });

    // the same limit over WebSocket
    const client = wsClient(app.url, alice);
    try {
      const sub = subscribe(client, MUTATION);
      await expect.poll(() => sub.errors.length + sub.received.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(JSON.stringify(sub.errors)).toContain('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
  });

  it('turns introspection and GraphiQL off in production', async () => {
    const intro = await prod.gql(`{ __schema { types { name } } }`);
    expect(intro.body.data ?? null).toBeNull();
    expect(intro.body.errors?.[0]?.message).toMatch(/introspection/i);
    const typename = await prod.gql(`{ __typename }`);
    expect(typename.body.data).toEqual({ __typename: 'Query' });
    const page = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    const dev = await app.gql(`{ __schema { queryType { name } } }`);
    expect(dev.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
