// The acknowledgeIncident mutation over HTTP: tenancy, idempotence, typed errors.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer } from '../helpers/fixtures.ts';

const ACK = `mutation($id: ID!) { acknowledgeIncident(id: $id) {
  __typename
  ... on MutationAcknowledgeIncidentSuccess { data { id acknowledgedAt acknowledgedBy reminderCount } }
  ... on Error { code message }
} }`;

type AckResult = {
  acknowledgeIncident: {
    __typename: string;
    code?: string;
    data?: { id: string; acknowledgedAt: string | null; acknowledgedBy: string | null };
  };
};

describe(`acknowledgeIncident (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function incidentOf(accountId: string, host: string, resolved = false) {
    const prisma = app.testDb.db.prisma;
    const server = await prisma.server.create({ data: { ip: host, accountId, source: 'HOSTING_INVENTORY' } });
    const monitor = await prisma.monitor.create({
      data: {
        accountId,
        serverId: server.id,
        activeServerId: server.id,
        host,
        ports: [22],
        contactName: 'Ops',
        contactEmail: 'ops@example.com',
      },
    });
    const incident = await prisma.incident.create({
      data: {
        monitorId: monitor.id,
        accountId,
        host,
        ports: [22],
        openMonitorId: resolved ? null : monitor.id,
        resolvedAt: resolved ? new Date() : null,
      },
    });
    return encodeGlobalID('Incident', incident.id);
  }

  it("a customer acknowledges its own incident once; another customer's is NOT_FOUND; admins any; resolved is CONFLICT", async () => {
    const alice = await makeCustomer(app.testDb.db.prisma, 'alice-ack');
    const bob = await makeCustomer(app.testDb.db.prisma, 'bob-ack');
    const mine = await incidentOf(alice.id, '198.51.100.10');
    const theirs = await incidentOf(bob.id, '198.51.100.11');
    const closed = await incidentOf(alice.id, '198.51.100.12', true);
    const cookie = await app.login('alice-ack', CUSTOMER_PASSWORD);

    const unauth = await app.gql<AckResult>(ACK, { id: mine });
    expect(unauth.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const ok = await app.gql<AckResult>(ACK, { id: mine }, { cookie });
    expect(ok.body.data?.acknowledgeIncident.__typename).toBe('MutationAcknowledgeIncidentSuccess');
    const first = ok.body.data?.acknowledgeIncident.data;
    expect(first).toMatchObject({ id: mine, acknowledgedBy: 'alice-ack' });
    expect(first?.acknowledgedAt).not.toBeNull();
    const again = await app.gql<AckResult>(ACK, { id: mine }, { cookie });
    expect(again.body.data?.acknowledgeIncident.data?.acknowledgedAt).toBe(first?.acknowledgedAt);

    for (const id of [theirs, encodeGlobalID('Monitor', 'x'), 'garbage']) {
      const r = await app.gql<AckResult>(ACK, { id }, { cookie });
      expect(r.body.data?.acknowledgeIncident).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    const conflict = await app.gql<AckResult>(ACK, { id: closed }, { cookie });
    expect(conflict.body.data?.acknowledgeIncident).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });

    const admin = await app.login(ADMIN.loginId, ADMIN.password);
    const byAdmin = await app.gql<AckResult>(ACK, { id: theirs }, { cookie: admin });
    expect(byAdmin.body.data?.acknowledgeIncident.data).toMatchObject({ acknowledgedBy: `operator: ${ADMIN.loginId}` });
    // the customer sees the operator's role, never their login, e-mail or phone (issue 12.12)
    const bobCookie = await app.login('bob-ack', CUSTOMER_PASSWORD);
    const seen = await app.gql(
      `query($id: ID!) { node(id: $id) { ... on Incident { acknowledgedBy acknowledgedByOperator } } }`,
      { id: theirs },
      { cookie: bobCookie },
    );
    expect(seen.body.data).toEqual({ node: { acknowledgedBy: 'operator', acknowledgedByOperator: true } });
    // an operator's alert link: stored with the recipient for admins, shown by role to the customer
    const linkAcked = await incidentOf(bob.id, '198.51.100.13');
    await app.testDb.db.prisma.incident.update({
      where: { id: Buffer.from(linkAcked, 'base64').toString().split(':')[1]! },
      data: { acknowledgedAt: new Date(), acknowledgedBy: 'operator link: +821099998888' },
    });
    const hidden = await app.gql(
      `query($id: ID!) { node(id: $id) { ... on Incident { acknowledgedBy } } }`,
      { id: linkAcked },
      { cookie: bobCookie },
    );
    expect(JSON.stringify(hidden.body)).not.toContain('+8210');
    expect(hidden.body.data).toEqual({ node: { acknowledgedBy: 'operator' } });
    const shown = await app.gql(
      `query($id: ID!) { node(id: $id) { ... on Incident { acknowledgedBy } } }`,
      { id: linkAcked },
      { cookie: admin },
    );
    expect(shown.body.data).toEqual({ node: { acknowledgedBy: 'operator link: +821099998888' } });
  });
});
