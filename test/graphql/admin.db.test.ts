import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import {
  at,
  customer,
  errorPaths,
  list,
  ok,
  PASSWORD,
  RESULT,
  signIn,
  signInAdmin,
  str,
  type Auth,
} from './api-helpers.ts';

const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { ${RESULT}
  ... on MutationCreateCustomerSuccess { data { id loginId kind phone portLimit representativeIp timeZone language servers { nodes { ip source } } } } } }`;
const UPDATE = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { ${RESULT}
  ... on MutationUpdateCustomerSuccess { data { name phone portLimit language timeZone } } } }`;
const DEFAULTS = `mutation($input: UpdateMonitorDefaultsInput!) { updateMonitorDefaults(input: $input) { ${RESULT}
  ... on MutationUpdateMonitorDefaultsSuccess { data { intervalSec timeoutMs failureThreshold portLimit } } } }`;
const SAVE_RECIPIENT = `mutation($input: AdminRecipientInput!) { saveAdminRecipient(input: $input) { ${RESULT}
  ... on MutationSaveAdminRecipientSuccess { data { id name email phone smsEnabled } } } }`;

describe(`admin (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;
  let alice: Auth;

  beforeAll(async () => {
    app = await startTestApp({ PROBE_SOURCE_ADDRESS: '203.0.113.5' });
    await customer(app.db.prisma, 'alice', { ips: ['8.8.8.8'] });
    admin = await signInAdmin(app);
    alice = await signIn(app, 'alice');
  });
  afterAll(() => app?.close());

  it('creates customers, with field errors for bad input', async () => {
    const input = {
      loginId: 'newco',
      password: 'long-enough-pw',
      name: 'New Co',
      email: 'ops@newco.example',
      phone: '010-2222-3333',
      kind: 'COLOCATION',
      representativeIp: '1.0.0.9',
      timeZone: 'UTC',
      language: 'en',
    };
    const r = await ok(app, admin, CREATE, { input });
    expect(at(r, 'createCustomer.data')).toMatchObject({
      loginId: 'newco',
      kind: 'COLOCATION',
      phone: '+821022223333',
      portLimit: 3,
      representativeIp: '1.0.0.9',
      timeZone: 'UTC',
      language: 'en',
      servers: { nodes: [{ ip: '1.0.0.9', source: 'REPRESENTATIVE' }] },
    });
    await signIn(app, 'newco', 'long-enough-pw');

    const before = await app.db.prisma.account.count();
    const bad = async (patch: Record<string, unknown>) =>
      errorPaths(
        at(
          await ok(app, admin, CREATE, { input: { ...input, loginId: 'other', representativeIp: null, ...patch } }),
          'createCustomer',
        ),
      );
    expect(await bad({ loginId: 'x' })).toEqual(['input.loginId']);
    expect(await bad({ password: 'short' })).toEqual(['input.password']);
    expect(await bad({ email: 'no-at' })).toEqual(['input.email']);
    expect(await bad({ phone: '12' })).toEqual(['input.phone']);
    expect(await bad({ portLimit: 0 })).toEqual(['input.portLimit']);
    expect(await bad({ timeZone: 'Nowhere/City' })).toEqual(['input.timeZone']);
    expect(await bad({ representativeIp: '10.0.0.1' })).toEqual(['input.representativeIp']);
    expect(await bad({ kind: 'HOSTING', representativeIp: '1.0.0.10' })).toEqual(['input.representativeIp']);
    const dup = await ok(app, admin, CREATE, { input: { ...input, representativeIp: null } });
    expect(at(dup, 'createCustomer.__typename')).toBe('ConflictError');
    expect(await app.db.prisma.account.count()).toBe(before);
  });

  it('edits, disables and enables customers; lists them', async () => {
    const id = str(await ok(app, admin, `{ customers(search: "ali") { nodes { id } } }`), 'customers.nodes.0.id');
    const upd = await ok(app, admin, UPDATE, {
      input: { account: id, portLimit: 5, language: 'ko', phone: null, name: 'Alice Ltd' },
    });
    expect(at(upd, 'updateCustomer.data')).toEqual({
      name: 'Alice Ltd',
      phone: null,
      portLimit: 5,
      language: 'ko',
      timeZone: 'Asia/Seoul',
    });
    expect(
      errorPaths(
        at(await ok(app, admin, UPDATE, { input: { account: id, portLimit: 101, email: 'x' } }), 'updateCustomer'),
      ),
    ).toEqual(['input.email', 'input.portLimit']);
    expect(
      at(await ok(app, admin, UPDATE, { input: { account: 'nope', portLimit: 4 } }), 'updateCustomer.__typename'),
    ).toBe('NotFoundError');

    await ok(app, admin, `mutation($id: ID!) { disableCustomer(id: $id) { __typename } }`, { id });
    expect(at(await app.gql(`{ viewer { loginId } }`, {}, alice), 'body.data.viewer')).toBeNull();
    const denied = await app.gql(
      `mutation($l:String!,$p:String!){ login(loginId:$l,password:$p){ __typename ... on AuthError { code } } }`,
      { l: 'alice', p: PASSWORD },
    );
    expect(at(denied.body.data, 'login.code')).toBe('ACCOUNT_DISABLED');
    const disabledList = await ok(
      app,
      admin,
      `{ customers(disabled: true) { totalCount nodes { loginId disabled } } }`,
    );
    expect(at(disabledList, 'customers')).toEqual({ totalCount: 1, nodes: [{ loginId: 'alice', disabled: true }] });
    await ok(app, admin, `mutation($id: ID!) { enableCustomer(id: $id) { __typename } }`, { id });
    alice = await signIn(app, 'alice');
    const all = await ok(app, admin, `{ customers { totalCount nodes { loginId monitorCount serverCount } } }`);
    expect(list(all, 'customers.nodes').map((c) => c.loginId)).toEqual(['alice', 'newco']);
  });

  it('changes global defaults within bounds', async () => {
    expect(at(await ok(app, alice, `{ monitorDefaults { intervalSec } }`), 'monitorDefaults.intervalSec')).toBe(180);
    const r = await ok(app, admin, DEFAULTS, { input: { intervalSec: 60, portLimit: 4 } });
    expect(at(r, 'updateMonitorDefaults.data')).toEqual({
      intervalSec: 60,
      timeoutMs: 5000,
      failureThreshold: 3,
      portLimit: 4,
    });
    expect(
      errorPaths(at(await ok(app, admin, DEFAULTS, { input: { intervalSec: 5 } }), 'updateMonitorDefaults')),
    ).toEqual(['input.intervalSec']);
    expect(
      errorPaths(at(await ok(app, admin, DEFAULTS, { input: { timeoutMs: 60_000 } }), 'updateMonitorDefaults')),
    ).toEqual(['input.timeoutMs']);
    expect(at(await ok(app, alice, `{ monitorDefaults { intervalSec } }`), 'monitorDefaults.intervalSec')).toBe(60);
  });

  it('manages admin alert recipients', async () => {
    const created = await ok(app, admin, SAVE_RECIPIENT, {
      input: { name: 'NOC', email: 'noc@provider.example', phone: '010-5555-6666' },
    });
    expect(at(created, 'saveAdminRecipient.data')).toMatchObject({
      name: 'NOC',
      phone: '+821055556666',
      smsEnabled: true,
    });
    const id = str(created, 'saveAdminRecipient.data.id');
    const upd = await ok(app, admin, SAVE_RECIPIENT, { input: { recipient: id, smsEnabled: false } });
    expect(at(upd, 'saveAdminRecipient.data')).toMatchObject({
      name: 'NOC',
      email: 'noc@provider.example',
      smsEnabled: false,
    });
    expect(
      errorPaths(at(await ok(app, admin, SAVE_RECIPIENT, { input: { name: 'x' } }), 'saveAdminRecipient')),
    ).toEqual(['input.email']);
    expect(
      errorPaths(
        at(await ok(app, admin, SAVE_RECIPIENT, { input: { name: 'x', phone: '02-312-3456' } }), 'saveAdminRecipient'),
      ),
    ).toEqual(['input.phone']);
    expect(list(await ok(app, admin, `{ adminRecipients { nodes { name } } }`), 'adminRecipients.nodes')).toEqual([
      { name: 'NOC' },
    ]);
    const del = await ok(app, admin, `mutation($id: ID!) { deleteAdminRecipient(id: $id) { __typename } }`, { id });
    expect(at(del, 'deleteAdminRecipient.__typename')).toBe('MutationDeleteAdminRecipientSuccess');
    expect(await app.db.prisma.adminRecipient.count()).toBe(0);
  });

  it('shows probe source addresses to customers; admins list extra ones', async () => {
    (app.services as typeof app.services & { probeSourceAddress?: string }).probeSourceAddress = '203.0.113.5';
    const set = await ok(
      app,
      admin,
      `mutation { setProbeSources(input: { addresses: ["198.51.100.9", "2001:DB8::9"] }) { __typename } }`,
    );
    expect(at(set, 'setProbeSources.__typename')).toBe('MutationSetProbeSourcesSuccess');
    const bad = await ok(app, admin, `mutation { setProbeSources(input: { addresses: ["nope"] }) { ${RESULT} } }`);
    expect(errorPaths(at(bad, 'setProbeSources'))).toEqual(['input.addresses.0']);
    expect(at(await ok(app, alice, `{ probeInfo { sourceAddresses } }`), 'probeInfo.sourceAddresses')).toEqual([
      '203.0.113.5',
      '198.51.100.9',
      '2001:db8::9',
    ]);
  });

  it('keeps an audit log of admin actions, queryable by action', async () => {
    const r = await ok(
      app,
      admin,
      `{ auditLog(action: "account.") { totalCount nodes { action actor { loginId } targetType } } }`,
    );
    expect(list(r, 'auditLog.nodes').map((n) => n.action)).toEqual([
      'account.enable',
      'account.disable',
      'account.update',
      'account.create',
    ]);
    expect(at(r, 'auditLog.nodes.0.actor.loginId')).toBe('root');
  });

  it('refuses every admin operation to customers', async () => {
    for (const q of [
      `{ customers { totalCount } }`,
      `{ auditLog { totalCount } }`,
      `{ adminRecipients { nodes { id } } }`,
      `mutation { updateMonitorDefaults(input: { intervalSec: 60 }) { __typename } }`,
      `mutation { setProbeSources(input: { addresses: [] }) { __typename } }`,
      `mutation { saveAdminRecipient(input: { name: "x", email: "x@y" }) { __typename } }`,
      `mutation { disableCustomer(id: "x") { __typename } }`,
    ]) {
      const res = await app.gql(q, {}, alice);
      expect(res.body.errors?.[0]?.extensions?.code, q).toBe('FORBIDDEN');
    }
  });
});
