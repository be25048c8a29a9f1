// Shared by the API tests: customers, servers and sign-ins written straight through Prisma and
// the services, plus small helpers to read typed mutation results.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import type { PrismaClient } from '../../server/db/index.ts';
import { hashPassword } from '../../server/services/passwords.ts';
import { ADMIN, type TestApp } from '../helpers/app.ts';

export const PASSWORD = 'customer-password';
let hash: Promise<string> | undefined;

export async function customer(
  prisma: PrismaClient,
  loginId: string,
  opts: {
    kind?: 'HOSTING' | 'COLOCATION';
    ips?: string[];
    portLimit?: number;
    phone?: string | null;
    representativeIp?: string;
    allowPrivate?: boolean;
  } = {},
) {
  hash ??= hashPassword(PASSWORD);
  const account = await prisma.account.create({
    data: {
      loginId,
      name: `${loginId} Inc.`,
      email: `${loginId}@example.com`,
      phone: opts.phone === undefined ? '+821012345678' : opts.phone,
      passwordHash: await hash,
      kind: opts.kind ?? 'HOSTING',
      language: 'en',
      timeZone: 'Asia/Seoul',
      portLimit: opts.portLimit ?? 3,
      representativeIp: opts.representativeIp ?? null,
    },
  });
  const servers = [];
  for (const ip of opts.ips ?? [])
    servers.push(
      await prisma.server.create({
        data: { ip, accountId: account.id, source: 'HOSTING_INVENTORY', allowPrivate: opts.allowPrivate ?? false },
      }),
    );
  if (opts.representativeIp)
    servers.push(
      await prisma.server.create({
        data: { ip: opts.representativeIp, accountId: account.id, source: 'REPRESENTATIVE' },
      }),
    );
  return { account, servers, gid: encodeGlobalID('Account', account.id) };
}

export const gid = (type: string, id: string | bigint) =>
  encodeGlobalID(type, typeof id === 'bigint' ? id.toString() : id);

export type Auth = { cookie: string };

export async function signIn(app: TestApp, loginId: string, password = PASSWORD): Promise<Auth> {
  return { cookie: await app.login(loginId, password) };
}

export const signInAdmin = (app: TestApp) => signIn(app, ADMIN.loginId, ADMIN.password);

/** Runs an operation and fails the test on top-level GraphQL errors. */
export async function ok<T = unknown>(
  app: TestApp,
  auth: Auth | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const r = await app.gql<T>(query, variables, auth ?? undefined);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

/** The fields of a typed ValidationError, or a fail. */
export function fieldErrors(result: unknown): { path: string[]; message: string }[] {
  expect(at(result, '__typename'), JSON.stringify(result)).toBe('ValidationError');
  return at(result, 'fields') as { path: string[]; message: string }[];
}

/** The paths of a ValidationError's fields, joined with "." (["input","ports"] → "input.ports"). */
export const errorPaths = (result: unknown) => fieldErrors(result).map((f) => f.path.join('.'));

export const RESULT = `__typename ... on Error { code message } ... on ValidationError { fields { path message } }`;

/** The value at a dotted path ("registerMonitor.data.id", "monitors.nodes.0.host"). */
export function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function str(value: unknown, path: string): string {
  const v = at(value, path);
  expect(typeof v, `${path} in ${JSON.stringify(value)}`).toBe('string');
  return v as string;
}

export function list(value: unknown, path: string): Record<string, unknown>[] {
  const v = at(value, path);
  expect(Array.isArray(v), `${path} in ${JSON.stringify(value)}`).toBe(true);
  return v as Record<string, unknown>[];
}
