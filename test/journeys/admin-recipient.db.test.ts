// Issue 13 item 11: out of the box, the first admin is an alert recipient (ADMIN_EMAIL /
// ADMIN_PHONE), so an incident's DOWN message goes to the admin too; done once, so a deleted
// recipient stays deleted; a bad ADMIN_PHONE stops the start with a clear message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { ensureDefaultAdminRecipient } from '../../server/services/admin-default-recipient.ts';
import { adminRecipientInfo } from '../../server/services/incident-close.ts';
import { ledgerRows } from '../../server/services/notifications/rows.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { signInAdmin } from '../graphql/api-helpers.ts';

describe(`the first admin is notified by default (${backend})`, () => {
  let app: TestApp;
  let plain: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ADMIN_EMAIL: 'ops@hosting.example', ADMIN_PHONE: '010-1234-5678' });
    plain = await startTestApp();
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await plain?.close();
  });

  it('ADMIN_EMAIL / ADMIN_PHONE make the first admin a recipient of DOWN messages', async () => {
    const admin = await signInAdmin(app);
    const r = await app.gql<{
      adminRecipients: { nodes: { email: string; phone: string; mailEnabled: boolean; smsEnabled: boolean }[] };
    }>(`{ adminRecipients { nodes { email phone mailEnabled smsEnabled } } }`, {}, admin);
    expect(r.body.data?.adminRecipients.nodes, JSON.stringify(r.body)).toEqual([
      { email: 'ops@hosting.example', phone: '+821012345678', mailEnabled: true, smsEnabled: true },
    ]);
    const rows = ledgerRows({
      incidentId: 'i',
      kind: 'DOWN',
      accountId: 'a',
      contact: null,
      admins: await adminRecipientInfo(app.db.prisma),
      sendAfter: new Date(),
    });
    expect(rows.map((x) => [x.channel, x.recipient, x.status])).toEqual([
      ['EMAIL', 'ops@hosting.example', 'QUEUED'],
      ['SMS', '+821012345678', 'QUEUED'],
    ]);
    const account = await app.db.prisma.account.findFirstOrThrow({ where: { role: 'ADMIN' } });
    expect([account.email, account.phone]).toEqual(['ops@hosting.example', '+821012345678']);
  });

  it('is done once: a recipient deleted on purpose does not come back', async () => {
    await app.db.prisma.adminRecipient.deleteMany();
    expect((await ensureDefaultAdminRecipient(app.db.prisma, { email: 'ops@hosting.example' })).created).toBe(false);
    expect(await app.db.prisma.adminRecipient.count()).toBe(0);
  });

  it('without an address there is no made-up recipient (admin@localhost is not one)', async () => {
    expect(await plain.db.prisma.adminRecipient.count()).toBe(0);
  });

  it('refuses a bad ADMIN_PHONE or ADMIN_EMAIL at start', () => {
    expect(() => loadConfig({ ADMIN_PHONE: '12' })).toThrow(/ADMIN_PHONE must be a mobile number/);
    expect(() => loadConfig({ ADMIN_EMAIL: 'nope' })).toThrow(/ADMIN_EMAIL must be an e-mail address/);
  });
});
