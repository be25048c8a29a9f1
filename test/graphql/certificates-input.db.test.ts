import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { signInAdmin, type Auth } from './api-helpers.ts';

// Found by the abuse run: a huge negative `expiringWithinDays` made an invalid date and an
// internal error. Every out-of-range value is a typed VALIDATION error naming the argument.
describe(`certificates(expiringWithinDays:) input (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signInAdmin(app);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  const query = 'query ($d: Int) { certificates(expiringWithinDays: $d) { totalCount nodes { id } } }';

  it.each([-1, -475444906, 3651, 2147483647])('refuses %i with a coded error and no internal error', async (d) => {
    const r = await app.gql(query, { d }, admin);
    const codes = (r.body.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(r.body.errors)).toMatch(/expiringWithinDays/);
  });

  it.each([0, 30, 3650, null])('accepts %s', async (d) => {
    const r = await app.gql(query, { d }, admin);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toMatchObject({ certificates: { totalCount: 0, nodes: [] } });
  });
});
