// Status pages end to end on a real server: the GraphQL management (validation with codes,
// tenancy), the public page rendered on the server (only the chosen hosts, addresses only where
// chosen, escaping), one 404 for unknown, unpublished and foreign things, cache headers with
// ETag revalidation, the SVG badge, and a live update over SSE when a port's status changes.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { makeMonitor } from '../helpers/fixtures.ts';
import { type Auth, customer, gid, ok, RESULT, signIn, signInAdmin } from '../graphql/api-helpers.ts';

const PAGE_FIELDS = 'id slug published title path items { id label ports showAddress badgePath }';
const CREATE = `mutation($input: StatusPageInput!) { createStatusPage(input: $input) { ${RESULT} ... on MutationCreateStatusPageSuccess { data { ${PAGE_FIELDS} } } ... on ValidationError { fields { path code } } } }`;
const UPDATE = `mutation($id: ID!, $input: StatusPageInput!) { updateStatusPage(id: $id, input: $input) { ${RESULT} ... on MutationUpdateStatusPageSuccess { data { ${PAGE_FIELDS} } } } }`;
const ITEMS = `mutation($id: ID!, $items: [StatusPageItemInput!]!) { setStatusPageItems(id: $id, items: $items) { ${RESULT} ... on MutationSetStatusPageItemsSuccess { data { ${PAGE_FIELDS} } } ... on ValidationError { fields { path code } } } }`;
const NOTE = `mutation($incident: ID!, $body: String) { setIncidentPublicNote(incident: $incident, body: $body) { ${RESULT} ... on MutationSetIncidentPublicNoteSuccess { data { body } } } }`;

interface Page {
  id: string;
  slug: string;
  path: string;
  items: { id: string; label: string; badgePath: string }[];
}
type Result<K extends string> = Record<
  K,
  { __typename: string; code?: string; data?: Page; fields?: { path: string[]; code: string }[] }
>;

function get(url: string, headers: Record<string, string> = {}) {
  return fetch(url, { headers, redirect: 'manual' });
}

describe(`status pages (${backend})`, () => {
  let app: TestApp;
  let alice: Auth;
  let bob: Auth;
  let admin: Auth;
  let shown: { id: string };
  let hidden: { id: string };
  let bobMonitor: { id: string };
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp();
    const prisma = app.db.prisma;
    const a = await customer(prisma, 'alice', { ips: ['203.0.113.10', '203.0.113.11'] });
    const b = await customer(prisma, 'bob', { ips: ['198.51.100.7'] });
    shown = await makeMonitor(prisma, { accountId: a.account.id, ip: '203.0.113.10', ports: [80, 443] });
    hidden = await makeMonitor(prisma, { accountId: a.account.id, ip: '203.0.113.11', ports: [22] });
    bobMonitor = await makeMonitor(prisma, { accountId: b.account.id, ip: '198.51.100.7', ports: [25] });
    for (const port of [80, 443]) await prisma.portState.create({ data: { monitorId: shown.id, port, phase: 'UP' } });
    await prisma.portState.create({ data: { monitorId: hidden.id, port: 22, phase: 'DOWN' } });
    alice = await signIn(app, 'alice');
    bob = await signIn(app, 'bob');
    admin = await signInAdmin(app);
  }, 240_000);
  afterAll(() => app?.close());

  it('refuses bad slugs with codes, and a slug that is taken', async () => {
    const bad = await ok<Result<'createStatusPage'>>(app, alice, CREATE, { input: { slug: 'A b!', title: ' ' } });
    expect(bad.createStatusPage.__typename).toBe('ValidationError');
    expect(bad.createStatusPage.fields?.map((f) => `${f.path.join('.')}:${f.code}`).sort()).toEqual([
      'input.slug:SLUG_FORMAT',
      'input.title:REQUIRED',
    ]);
    const reserved = await ok<Result<'createStatusPage'>>(app, alice, CREATE, {
      input: { slug: 'assets', title: 'x' },
    });
    expect(reserved.createStatusPage.fields?.[0]?.code).toBe('SLUG_RESERVED');
    const created = await ok<Result<'createStatusPage'>>(app, alice, CREATE, {
      input: { slug: 'Alice-Hosting', title: 'Alice <Hosting> & "Co"' },
    });
    expect(created.createStatusPage.data?.slug).toBe('alice-hosting');
    page = created.createStatusPage.data as Page;
    const taken = await ok<Result<'createStatusPage'>>(app, bob, CREATE, {
      input: { slug: 'alice-hosting', title: 'x' },
    });
    expect(taken.createStatusPage.fields?.[0]?.code).toBe('SLUG_TAKEN');
  });

  it('lets only the owner (and admins) read and edit a page; items must be the owner’s monitors', async () => {
    const bobList = await ok<{ statusPages: Page[] }>(app, bob, '{ statusPages { id } }');
    expect(bobList.statusPages).toEqual([]);
    const read = await ok<{ statusPage: { __typename: string; code?: string } }>(
      app,
      bob,
      `query($id: ID!) { statusPage(id: $id) { ${RESULT} } }`,
      { id: page.id },
    );
    expect(read.statusPage).toMatchObject({ __typename: 'NotFoundError' });
    const edit = await ok<Result<'updateStatusPage'>>(app, bob, UPDATE, { id: page.id, input: { published: true } });
    expect(edit.updateStatusPage.__typename).toBe('NotFoundError');
    const foreign = await ok<Result<'setStatusPageItems'>>(app, alice, ITEMS, {
      id: page.id,
      items: [{ monitor: gid('Monitor', bobMonitor.id), label: 'Not mine' }],
    });
    expect(foreign.setStatusPageItems.fields?.map((f) => `${f.path.join('.')}:${f.code}`)).toEqual([
      'items.0.monitor:NOT_FOUND',
    ]);
    const badPort = await ok<Result<'setStatusPageItems'>>(app, alice, ITEMS, {
      id: page.id,
      items: [{ monitor: gid('Monitor', shown.id), label: 'Web', ports: [8080] }],
    });
    expect(badPort.setStatusPageItems.fields?.[0]?.code).toBe('UNKNOWN_PORT');
    const set = await ok<Result<'setStatusPageItems'>>(app, alice, ITEMS, {
      id: page.id,
      items: [{ monitor: gid('Monitor', shown.id), label: 'Web <b>front</b>' }],
    });
    page = set.setStatusPageItems.data as Page;
    expect(page.items.map((i) => i.label)).toEqual(['Web <b>front</b>']);
    expect(page.items[0]?.id).not.toBe(shown.id);
    const byAdmin = await ok<{ statusPage: { __typename: string } }>(
      app,
      admin,
      `query($id: ID!) { statusPage(id: $id) { __typename } }`,
      { id: page.id },
    );
    expect(byAdmin.statusPage.__typename).toBe('QueryStatusPageSuccess');
  });

  it('answers an unpublished page exactly like an unknown one', async () => {
    const unpublished = await get(`${app.url}${page.path}`);
    const unknown = await get(`${app.url}/status/no-such-page`);
    const malformed = await get(`${app.url}/status/..%2Fetc`);
    for (const r of [unpublished, unknown, malformed]) expect(r.status).toBe(404);
    const bodies = await Promise.all([unpublished, unknown, malformed].map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    const headerSet = (r: Response) =>
      JSON.stringify([...r.headers].filter(([k]) => k !== 'date' && k !== 'keep-alive' && k !== 'connection'));
    expect(headerSet(unpublished)).toBe(headerSet(unknown));
    const badge = await get(`${app.url}${page.items[0]?.badgePath}`);
    expect(badge.status).toBe(404);
    expect(await badge.text()).toBe(bodies[0]);
  });

  it('renders the published page on the server: chosen hosts only, escaped, no address unless chosen', async () => {
    await ok(app, alice, UPDATE, { id: page.id, input: { published: true } });
    const r = await get(`${app.url}${page.path}?lang=en`);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('Alice &lt;Hosting&gt; &amp; &quot;Co&quot;');
    expect(html).toContain('Web &lt;b&gt;front&lt;/b&gt;');
    expect(html).not.toContain('<b>front</b>');
    expect(html).toContain('All systems operational');
    expect(html).not.toContain('203.0.113.10');
    expect(html).not.toContain('203.0.113.11');
    expect(html).not.toContain(hidden.id);
    expect(html).not.toContain(shown.id);
    expect(html).not.toContain('alice@');
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/);
    const ko = await (await get(`${app.url}${page.path}`, { 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.8' })).text();
    expect(ko).toContain('모든 서비스가 정상입니다');
    // the address appears once the owner chooses to show it, with only the chosen ports
    await ok(app, alice, ITEMS, {
      id: page.id,
      items: [{ monitor: gid('Monitor', shown.id), label: 'Web <b>front</b>', ports: [443], showAddress: true }],
    });
    const shownNow = await (await get(`${app.url}${page.path}?lang=en`)).text();
    expect(shownNow).toContain('203.0.113.10 (443)');
    expect(shownNow).not.toContain('80,');
  });

  it('is cacheable: ETag and Cache-Control, 304 on revalidation', async () => {
    const first = await get(`${app.url}${page.path}?lang=en`);
    await first.text();
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get('cache-control')).toContain('max-age=');
    expect(first.headers.get('vary')).toBe('Accept-Language');
    const again = await get(`${app.url}${page.path}?lang=en`, { 'if-none-match': etag as string });
    expect(again.status).toBe(304);
  });

  it('serves an SVG badge per item with its state and uptime, escaped', async () => {
    const r = await get(`${app.url}${page.items[0]?.badgePath}?lang=en`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('image/svg+xml');
    const svg = await r.text();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Web &lt;b&gt;front&lt;/b&gt;');
    expect(svg).toContain('Operational');
    expect(svg).toMatch(/\d+\.\d\d%|no data/);
    // a monitor id in place of the item id is unknown
    expect((await get(`${app.url}/status/${page.slug}/badge/${shown.id}.svg`)).status).toBe(404);
  });

  it('pushes an update over SSE when a shown port changes state, and not for a hidden one', async () => {
    const frames: string[] = [];
    const req = request(`${app.url}${page.path}/events?lang=en`);
    const opened = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (c: string) => frames.push(c));
        resolve();
      });
      req.on('error', reject);
    });
    req.end();
    await opened;
    const { prisma } = app.db;
    const event = (monitorId: string, port: number, phase: string) =>
      app.services.events.portStatus({
        monitorId,
        accountId: 'x',
        host: 'h',
        port,
        phase,
        since: new Date(),
        lastCheckAt: new Date(),
        lastOk: phase === 'UP',
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      });
    await prisma.portState.update({
      where: { monitorId_port: { monitorId: hidden.id, port: 22 } },
      data: { phase: 'UP' },
    });
    event(hidden.id, 22, 'UP');
    await prisma.portState.update({
      where: { monitorId_port: { monitorId: shown.id, port: 443 } },
      data: { phase: 'DOWN' },
    });
    const sentAt = Date.now();
    event(shown.id, 443, 'DOWN');
    const deadline = Date.now() + 5_000;
    while (!frames.join('').includes('event: update') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const text = frames.join('');
    expect(text).toContain('event: update');
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    const data = JSON.parse(/event: update\ndata: (.+)\n/.exec(text)?.[1] ?? '{}') as { state: string; html: string };
    expect(data.state).toBe('DOWN');
    expect(data.html).toContain('Major outage');
    expect(data.html).not.toContain('<b>front</b>');
    req.destroy();
    // the page itself was invalidated too
    expect(await (await get(`${app.url}${page.path}?lang=en`)).text()).toContain('Major outage');
  });

  it('shows an incident with its public note, written only by its owner', async () => {
    const { prisma } = app.db;
    const inc = await prisma.incident.create({
      data: {
        monitorId: shown.id,
        accountId: (await prisma.monitor.findUniqueOrThrow({ where: { id: shown.id } })).accountId,
        host: '203.0.113.10',
        ports: [443],
        reason: 'ECONNREFUSED secret-detail',
      },
    });
    const byBob = await ok<{ setIncidentPublicNote: { __typename: string } }>(app, bob, NOTE, {
      incident: gid('Incident', inc.id),
      body: 'pwned',
    });
    expect(byBob.setIncidentPublicNote.__typename).toBe('NotFoundError');
    await ok(app, alice, NOTE, { incident: gid('Incident', inc.id), body: 'We are replacing a <switch>.' });
    const html = await (await get(`${app.url}${page.path}?lang=en`)).text();
    expect(html).toContain('We are replacing a &lt;switch&gt;.');
    expect(html).toContain('Ongoing incidents');
    expect(html).not.toContain('secret-detail');
    expect(html).not.toContain('pwned');
  });

  it('unpublishing takes the page down at once', async () => {
    await ok(app, alice, UPDATE, { id: page.id, input: { published: false } });
    expect((await get(`${app.url}${page.path}`)).status).toBe(404);
  });
});
