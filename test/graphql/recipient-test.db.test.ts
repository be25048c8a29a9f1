// Issue 13 item 11: a test message to an admin recipient goes through the ledger, so its status
// moves like any message's (QUEUED → SENDING → YES, with the timeline event) and its reason is recorded when it cannot
// be sent; the TEST incident that carries it is listed nowhere. Real dispatcher, real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { until } from '../helpers/poll.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { gid, signIn, signInAdmin, customer, type Auth } from './api-helpers.ts';

const QUEUE = `mutation($r: ID!, $c: Channel!) { queueRecipientTest(recipient: $r, channel: $c) { __typename
  ... on MutationQueueRecipientTestSuccess { data { id kind status recipient } } ... on Error { code } ... on ValidationError { fields { path code } } } }`;
const FOLLOW = `query($id: ID!) { node(id: $id) { ... on Notification { status statusDetail events { status detail } } } }`;

type Queued = {
  queueRecipientTest: {
    __typename: string;
    data?: { id: string; kind: string; status: string; recipient: string };
    fields?: { code: string }[];
  };
};
type Followed = {
  node: { status: string; statusDetail: string | null; events: { status: string; detail: string | null }[] };
};

describe(`a test message through the ledger (${backend})`, () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let admin: Auth;
  let recipientId: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await startTestApp({
      DISPATCH_ENABLED: 'true',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portwatch <alerts@portwatch.test>',
      ADMIN_EMAIL: 'noc@hosting.example',
      ADMIN_PHONE: '+821099998888',
    });
    admin = await signInAdmin(app);
    recipientId = (await app.db.prisma.adminRecipient.findFirstOrThrow()).id;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  const gql = async <T>(q: string, v: Record<string, unknown>, auth: Auth = admin): Promise<T> => {
    const r = await app.gql<T>(q, v, auth);
    if (!r.body.data) throw new Error(JSON.stringify(r.body));
    return r.body.data;
  };

  it('the mail is queued, sent and recorded step by step', async () => {
    const q = await gql<Queued>(QUEUE, { r: gid('AdminRecipient', recipientId), c: 'EMAIL' });
    expect(q.queueRecipientTest.data).toMatchObject({ kind: 'TEST', recipient: 'noc@hosting.example' });
    // queued, and the dispatcher (woken at once) may already be on it
    expect(['QUEUED', 'SENDING', 'YES']).toContain(q.queueRecipientTest.data!.status);
    const id = q.queueRecipientTest.data!.id;
    const done = await until('the test mail sent', async () => {
      const f = await gql<Followed>(FOLLOW, { id });
      return f.node.status === 'YES' ? f.node : null;
    });
    expect(done.events).toEqual([
      expect.objectContaining({ status: 'YES', detail: expect.stringMatching(/^attempt 1: sent — /) }),
    ]);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.rcptTo.map((r) => r.address)).toEqual(['noc@hosting.example']);
    expect(mail!.parsed.subject).toMatch(/테스트|TEST/);
    // the TEST incident is listed nowhere
    const list = await gql<{ incidents: { totalCount: number } }>(`{ incidents { totalCount } }`, {});
    expect(list.incidents.totalCount).toBe(0);
  });

  it('an SMS without a provider ends NOT_SENT with the reason', async () => {
    const q = await gql<Queued>(QUEUE, { r: gid('AdminRecipient', recipientId), c: 'SMS' });
    const id = q.queueRecipientTest.data!.id;
    const done = await until('the test SMS decided', async () => {
      const f = await gql<Followed>(FOLLOW, { id });
      return f.node.status !== 'QUEUED' && f.node.status !== 'SENDING' ? f.node : null;
    });
    expect(done.status).toBe('NOT_SENT');
    expect(done.statusDetail).toBe('not sent: no SMS provider configured');
  });

  it('admins only; a channel without an address is a coded field error', async () => {
    await customer(app.db.prisma, 'alice');
    const alice = await signIn(app, 'alice');
    const r = await app.gql(QUEUE, { r: gid('AdminRecipient', recipientId), c: 'EMAIL' }, alice);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noPhone = await app.db.prisma.adminRecipient.create({
      data: { name: 'mail only', email: 'm@example.com', language: 'en' },
    });
    const q = await gql<Queued>(QUEUE, { r: gid('AdminRecipient', noPhone.id), c: 'SMS' });
    expect(q.queueRecipientTest).toMatchObject({ __typename: 'ValidationError', fields: [{ code: 'REQUIRED' }] });
  });
});
