// Issue 13 item 10: every validation failure carries a stable code (with params), and the
// dashboard has a Korean and an English sentence for every code the server can send.
// 1. The source: every ValidationError.field(...) names a code, every problem pushed by hand
//    has one (or comes from a helper that does), and every code found has ko and en text.
// 2. Real answers: bad input to the busiest forms comes back with codes and params, never the
//    catch-all INVALID.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsEn } from '../../client/lib/i18n/fields.en.ts';
import { fieldsKo } from '../../client/lib/i18n/fields.ko.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, gid, ok, signIn, signInAdmin } from './api-helpers.ts';

const ROOT = join(import.meta.dirname, '../../server');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'generated' ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}
const sources = [...files(join(ROOT, 'services')), ...files(join(ROOT, 'graphql'))].map((f) => ({
  f,
  text: readFileSync(f, 'utf8'),
}));

type FieldAnswer = {
  __typename: string;
  fields?: { path: string[]; code: string; params: Record<string, unknown> | null; message: string }[];
};

describe('field error codes in the source', () => {
  it('every ValidationError.field(...) and every hand-made field problem names a code', () => {
    const missing: string[] = [];
    for (const { f, text } of sources) {
      // ValidationError.field(path, message, CODE…): the call has at least three arguments
      for (const m of text.matchAll(/ValidationError\.field\(([\s\S]*?)\);/g)) {
        const args = m[1]!;
        if (!/,\s*'[A-Z][A-Z_]+'/.test(args) && !f.endsWith('errors.ts'))
          missing.push(`${f}: ValidationError.field(${args.slice(0, 60)}…)`);
      }
      for (const m of text.matchAll(/push\(\{ path: [^\n]*\}\)/g)) {
        if (!/code|problemOf|portsProblem|zodCode/.test(m[0])) missing.push(`${f}: ${m[0].slice(0, 90)}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every code the server names has a Korean and an English sentence', () => {
    const codes = new Set<string>();
    for (const { text } of sources) {
      for (const m of text.matchAll(/code: '([A-Z][A-Z_]+)'/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/ValidationError\.field\([\s\S]*?,\s*'([A-Z][A-Z_]+)'/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/'(INVALID_IP|IP_NOT_PUBLIC)'/g)) codes.add(m[1]!);
    }
    // codes of other error kinds (top-level, AuthError, result unions) are not field codes
    for (const other of [
      'VALIDATION',
      'NOT_FOUND',
      'CONFLICT',
      'FORBIDDEN',
      'INVALID_CREDENTIALS',
      'RATE_LIMITED',
      'ACCOUNT_DISABLED',
      'BAD_USER_INPUT',
      'QUERY_TOO_COMPLEX',
      'INSUFFICIENT_SCOPE',
      'UNAUTHENTICATED',
      'TOKEN_INVALID',
      'TOKEN_REVOKED',
      'SESSION_EXPIRED',
      'INTERNAL_SERVER_ERROR',
      'TOO_MANY_SUBSCRIPTIONS',
      'SUBSCRIPTION_OVERFLOW',
      'ORIGIN_NOT_ALLOWED',
      'CSRF_HEADER_REQUIRED',
      'PAYLOAD_TOO_LARGE',
      'LENGTH_REQUIRED',
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
    ])
      codes.delete(other);
    expect(codes.size).toBeGreaterThan(30);
    const en = fieldsEn as Record<string, string>;
    const ko = fieldsKo as Record<string, string>;
    expect([...codes].filter((c) => !en[`field.${c}`])).toEqual([]);
    expect([...codes].filter((c) => !ko[`field.${c}`])).toEqual([]);
    // a Korean sentence is Korean, and uses the same parameters as the English one
    for (const [k, v] of Object.entries(en)) {
      expect(ko[k], k).toBeTruthy();
      expect([...ko[k]!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(), k).toEqual(
        [...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(),
      );
    }
  });
});

describe(`field error codes in real answers (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  const FIELDS = `... on ValidationError { fields { path code params message } }`;

  it('a monitor form full of mistakes: each field with its code and params', async () => {
    await customer(app.db.prisma, 'alice', { ips: ['8.8.4.4'], portLimit: 3 });
    const alice = await signIn(app, 'alice');
    const server = await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '8.8.4.4' } });
    const r = await ok<{ registerMonitor: FieldAnswer }>(
      app,
      alice,
      `mutation($input: RegisterMonitorInput!) { registerMonitor(input: $input) { __typename ${FIELDS} } }`,
      {
        input: {
          server: gid('Server', server.id),
          ports: '22, 80, 443, 8080',
          contactName: '',
          contactEmail: 'nope',
          contactPhone: '',
          smsEnabled: true,
          intervalSec: 5,
        },
      },
    );
    const byPath = Object.fromEntries((r.registerMonitor.fields ?? []).map((f) => [f.path.join('.'), f]));
    expect(byPath['input.ports']).toMatchObject({ code: 'PORTS_TOO_MANY', params: { max: 3, given: 4 } });
    expect(byPath['input.contactName']).toMatchObject({ code: 'REQUIRED' });
    expect(byPath['input.contactEmail']).toMatchObject({ code: 'INVALID_EMAIL' });
    expect(byPath['input.contactPhone']).toMatchObject({ code: 'PHONE_FOR_SMS' });
    expect(byPath['input.intervalSec']).toMatchObject({ code: 'OUT_OF_RANGE', params: { min: 10 } });
    expect(r.registerMonitor.fields!.filter((f) => f.code === 'INVALID')).toEqual([]);
  });

  it("maintenance windows: the alerting core's rules come back with codes, never the catch-all", async () => {
    await customer(app.db.prisma, 'mw', { ips: ['8.8.8.8'], portLimit: 3 });
    const mw = await signIn(app, 'mw');
    const server = await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '8.8.8.8' } });
    const r = await ok<{ registerMonitor: FieldAnswer }>(
      app,
      mw,
      `mutation($input: RegisterMonitorInput!) { registerMonitor(input: $input) { __typename ${FIELDS} } }`,
      {
        input: {
          server: gid('Server', server.id),
          ports: '22',
          contactName: 'Kim',
          contactEmail: 'kim@example.com',
          maintenanceWindows: [
            { kind: 'ONE_OFF', startsAt: '2026-12-02T10:00:00Z', endsAt: '2026-12-02T09:00:00Z' },
            { kind: 'WEEKLY', weekday: 9, startMinute: 1440, durationMin: 0, timeZone: 'Asia/Seoul' },
          ],
        },
      },
    );
    const byPath = Object.fromEntries((r.registerMonitor.fields ?? []).map((f) => [f.path.join('.'), f]));
    expect(byPath['input.maintenanceWindows.0.endsAt']).toMatchObject({ code: 'END_BEFORE_START' });
    expect(byPath['input.maintenanceWindows.1.weekday']).toMatchObject({ code: 'INVALID_WEEKDAY' });
    expect(byPath['input.maintenanceWindows.1.startMinute']).toMatchObject({
      code: 'OUT_OF_RANGE',
      params: { min: 0, max: 1439 },
    });
    expect(byPath['input.maintenanceWindows.1.durationMin']).toMatchObject({
      code: 'OUT_OF_RANGE',
      params: { min: 1, max: 10080 },
    });
    expect(r.registerMonitor.fields!.filter((f) => f.code === 'INVALID')).toEqual([]);
    for (const code of ['END_BEFORE_START', 'INVALID_WEEKDAY', 'INVALID_TIME']) {
      expect(fieldsEn[`field.${code}` as keyof typeof fieldsEn], code).toBeTruthy();
      expect(fieldsKo[`field.${code}` as keyof typeof fieldsKo], code).toBeTruthy();
    }
  });

  it('admin forms: customer, recipient, defaults, probe sources', async () => {
    const admin = await signInAdmin(app);
    const customerAnswer = await ok<{ createCustomer: FieldAnswer }>(
      app,
      admin,
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ${FIELDS} } }`,
      {
        input: { loginId: 'x', password: 'short', name: ' ', email: 'no-at', kind: 'HOSTING', portLimit: 500 },
      },
    );
    const codes = (customerAnswer.createCustomer.fields ?? []).map((f) => `${f.path.join('.')}:${f.code}`);
    expect(codes.length).toBeGreaterThan(2);
    expect(codes.filter((c) => c.endsWith(':INVALID'))).toEqual([]);
    const sources = await ok<{ setProbeSources: FieldAnswer }>(
      app,
      admin,
      `mutation($input: SetProbeSourcesInput!) { setProbeSources(input: $input) { __typename ${FIELDS} } }`,
      { input: { addresses: ['1.2.3.4', 'nope'] } },
    );
    expect(sources.setProbeSources.fields).toMatchObject([{ path: ['input', 'addresses', '1'], code: 'INVALID_IP' }]);
  });
});
