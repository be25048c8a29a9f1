// The API of the new channels: destinations per account and per admin recipient (validation,
// tenancy, the webhook secret shown once), AlimTalk template codes, and "send a test
// notification" per channel against the local fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import {
  startAlimtalkFake,
  startSignedWebhookReceiver,
  startSlackFake,
  startTelegramFake,
  type AlimtalkFake,
  type SignedWebhookReceiver,
  type SlackFake,
  type TelegramFake,
} from '../notify/fakes/index.ts';
import { customer, errorPaths, ok, RESULT, signIn, signInAdmin, type Auth } from './api-helpers.ts';

const CREATE = `mutation($input: NotifyEndpointInput!) { createNotifyEndpoint(input: $input) { ${RESULT} ... on MutationCreateNotifyEndpointSuccess { data { secret endpoint { id channel label recipient target enabled } } } } }`;
const TEST = `mutation($input: TestNotificationInput!) { sendTestNotification(input: $input) { ${RESULT} ... on MutationSendTestNotificationSuccess { data { channel recipient status detail } } } }`;
type Created = {
  createNotifyEndpoint: {
    __typename: string;
    data?: { secret: string | null; endpoint: { id: string; recipient: string; target: string } };
  };
};
type Tested = {
  sendTestNotification: {
    __typename: string;
    message?: string;
    data?: { status: string; detail: string; recipient: string };
  };
};

describe(`notification channels API (${backend})`, () => {
  let app: TestApp;
  let slack: SlackFake;
  let telegram: TelegramFake;
  let alimtalk: AlimtalkFake;
  let hook: SignedWebhookReceiver;
  let alice: Auth;
  let bob: Auth;
  let admin: Auth;

  beforeAll(async () => {
    [slack, telegram, alimtalk, hook] = await Promise.all([
      startSlackFake(),
      startTelegramFake(),
      startAlimtalkFake(),
      startSignedWebhookReceiver(),
    ]);
    app = await startTestApp({
      SLACK_WEBHOOK_PREFIX: `${slack.url}/`,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.url,
      NHN_ALIMTALK_BASE_URL: alimtalk.url,
      NHN_ALIMTALK_APP_KEY: alimtalk.appKey,
      NHN_ALIMTALK_SECRET_KEY: alimtalk.secretKey,
      NHN_ALIMTALK_SENDER_KEY: alimtalk.senderKey,
    });
    await customer(app.db.prisma, 'alice', { phone: '+821012345678' });
    await customer(app.db.prisma, 'bob');
    [alice, bob, admin] = await Promise.all([signIn(app, 'alice'), signIn(app, 'bob'), signInAdmin(app)]);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await Promise.all([slack.close(), telegram.close(), alimtalk.close(), hook.close()]);
  });

  it('a customer adds Slack and Telegram destinations, tests each, and sees only its own', async () => {
    const s = await ok<Created>(app, alice, CREATE, {
      input: { channel: 'SLACK', label: 'ops', target: slack.webhookUrl },
    });
    const e = s.createNotifyEndpoint.data!.endpoint;
    expect(e.target).not.toContain('abcdEFGH'); // a Slack URL is a secret: not shown again
    const tg = await ok<Created>(app, alice, CREATE, {
      input: { channel: 'TELEGRAM', label: 'me', target: '123456789' },
    });
    const r1 = await ok<Tested>(app, alice, TEST, { input: { channel: 'SLACK', endpoint: e.id } });
    expect(r1.sendTestNotification.data).toMatchObject({ status: 'SENT', recipient: 'ops' });
    expect(JSON.stringify(slack.received.at(-1)?.body)).toContain('portwatch');
    telegram.enqueue({ kind: 'error', code: 403, description: 'Forbidden: bot was blocked by the user' });
    const r2 = await ok<Tested>(app, alice, TEST, {
      input: { channel: 'TELEGRAM', endpoint: tg.createNotifyEndpoint.data!.endpoint.id },
    });
    expect(r2.sendTestNotification.data).toMatchObject({
      status: 'FAILED',
      detail: 'Telegram 403: Forbidden: bot was blocked by the user',
    });
    // bob can neither list nor test alice's destinations
    const list = await ok<{ notifyEndpoints: unknown[] }>(app, bob, `{ notifyEndpoints { id } }`);
    expect(list.notifyEndpoints).toEqual([]);
    const foreign = await ok<Tested>(app, bob, TEST, { input: { channel: 'SLACK', endpoint: e.id } });
    expect(foreign.sendTestNotification.__typename).toBe('NotFoundError');
  });

  it('refuses bad destinations with field errors and changes nothing', async () => {
    const bad = [
      { channel: 'SLACK', label: 'x', target: 'https://evil.example.com/services/T1/B1/x' },
      { channel: 'TELEGRAM', label: 'x', target: 'not a chat' },
      { channel: 'WEBHOOK', label: 'x', target: 'http://127.0.0.1:9/hook' },
      { channel: 'WEBHOOK', label: 'x', target: 'https://user:pw@example.com/hook' },
      { channel: 'WEBHOOK', label: 'x', target: hook.url, allowPrivate: true },
    ];
    for (const input of bad) {
      const r = await app.gql<{ createNotifyEndpoint: unknown }>(CREATE, { input }, bob);
      expect(
        errorPaths(r.body.data?.createNotifyEndpoint).some((p) => p === 'input.target' || p === 'input.allowPrivate'),
        JSON.stringify(input),
      ).toBe(true);
    }
    expect(await app.db.prisma.notifyEndpoint.count({ where: { account: { loginId: 'bob' } } })).toBe(0);
  });

  it('an admin adds a webhook to a private address for an admin recipient; the secret is shown once and signs the test', async () => {
    const rec = await ok<{ saveAdminRecipient: { data: { id: string } } }>(
      app,
      admin,
      `mutation { saveAdminRecipient(input: { name: "NOC", phone: "010-9876-5432", alimtalkEnabled: true }) { ... on MutationSaveAdminRecipientSuccess { data { id } } } }`,
    );
    const recipient = rec.saveAdminRecipient.data.id;
    const c = await ok<Created>(app, admin, CREATE, {
      input: { channel: 'WEBHOOK', label: 'noc', target: hook.url, allowPrivate: true, adminRecipient: recipient },
    });
    const secret = c.createNotifyEndpoint.data!.secret!;
    expect(secret).toMatch(/^whsec_/);
    const id = c.createNotifyEndpoint.data!.endpoint.id;
    const listed = await ok<{ notifyEndpoints: { id: string }[] }>(
      app,
      admin,
      `query($r: ID) { notifyEndpoints(adminRecipient: $r) { id } }`,
      { r: recipient },
    );
    expect(listed.notifyEndpoints.map((x) => x.id)).toEqual([id]);
    // the receiver verifies with a different secret: refused (401 → FAILED); with the shown one: verified
    const t1 = await ok<Tested>(app, admin, TEST, { input: { channel: 'WEBHOOK', endpoint: id } });
    expect(t1.sendTestNotification.data).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('HTTP 401'),
    });
    const right = await startSignedWebhookReceiver({ secret });
    try {
      await app.db.prisma.notifyEndpoint.updateMany({ where: { label: 'noc' }, data: { target: right.url } });
      const t2 = await ok<Tested>(app, admin, TEST, { input: { channel: 'WEBHOOK', endpoint: id } });
      expect(t2.sendTestNotification.data?.status).toBe('SENT');
      expect(right.events[0]).toMatchObject({ type: 'test', test: true, schema: 'portwatch.event.v1' });
    } finally {
      await right.close();
    }
  });

  it('AlimTalk template codes are an admin setting; the AlimTalk test uses the DOWN template; customers test only their own number', async () => {
    const noCode = await ok<Tested>(app, admin, TEST, {
      input: { channel: 'ALIMTALK', to: '010-1234-5678', language: 'ko' },
    });
    expect(noCode.sendTestNotification.data).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('no AlimTalk template code'),
    });
    const bad = await app.gql<{ setAlimtalkTemplateCodes: unknown }>(
      `mutation { setAlimtalkTemplateCodes(input: [{ key: "DOWN", codeKo: "bad code!" }]) { ${RESULT} } }`,
      {},
      admin,
    );
    expect(errorPaths(bad.body.data?.setAlimtalkTemplateCodes)).toEqual(['input.DOWN.ko']);
    await ok(
      app,
      admin,
      `mutation { setAlimtalkTemplateCodes(input: [{ key: "DOWN", codeKo: "PW_DOWN_KO" }]) { ${RESULT} } }`,
    );
    const denied = await app.gql(`mutation { setAlimtalkTemplateCodes(input: []) { __typename } }`, {}, alice);
    expect(denied.body.errors?.length).toBeGreaterThan(0);
    const sent = await ok<Tested>(app, admin, TEST, {
      input: { channel: 'ALIMTALK', to: '010-1234-5678', language: 'ko' },
    });
    expect(sent.sendTestNotification.data).toMatchObject({ status: 'SENT', recipient: '+821012345678' });
    expect(alimtalk.received.at(-1)?.body.templateCode).toBe('PW_DOWN_KO');
    const own = await ok<Tested>(app, alice, TEST, { input: { channel: 'ALIMTALK', language: 'ko' } });
    expect(own.sendTestNotification.data?.status).toBe('SENT');
    const other = await ok<Tested>(app, alice, TEST, { input: { channel: 'ALIMTALK', to: '010-5555-6666' } });
    expect(other.sendTestNotification.__typename).toBe('ForbiddenError');
  });
});
