// Issue 12.4/12.5 in real Chromium: a page on another origin (another port of the same host, so
// the admin's SameSite=Lax cookie IS sent) gets nothing: it cannot read the API, mint a token
// with the admin's cookie (fetch, simple no-cors POST, GET, WebSocket), nor frame the dashboard.
// The same script on the dashboard's own origin reads the viewer (the control).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const ATTACK = (api: string) => `
window.results = {};
const api = ${JSON.stringify(api)};
const mint = JSON.stringify({ query: 'mutation { createApiToken(name: "stolen") { ... on MutationCreateApiTokenSuccess { data { secret } } } }' });
async function run() {
  try {
    const r = await fetch(api + '/graphql', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: mint });
    results.fetchJson = await r.text();
  } catch (e) { results.fetchJson = 'blocked: ' + e.name; }
  try {
    const r = await fetch(api + '/graphql', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: mint });
    results.simplePost = 'type=' + r.type + ' body=' + (await r.text());
  } catch (e) { results.simplePost = 'blocked: ' + e.name; }
  try {
    const r = await fetch(api + '/graphql?query=' + encodeURIComponent('{ viewer { loginId } }'), { credentials: 'include' });
    results.get = await r.text();
  } catch (e) { results.get = 'blocked: ' + e.name; }
  results.ws = await new Promise((resolve) => {
    const got = [];
    const ws = new WebSocket(api.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init' }));
    ws.onmessage = (m) => {
      got.push(m.data);
      const msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: JSON.parse(mint) }));
    };
    ws.onclose = (e) => resolve('closed ' + e.code + ' ' + got.join('|'));
    setTimeout(() => resolve('timeout ' + got.join('|')), 5000);
  });
  results.done = true;
}
run();
`;

describe.runIf(chromiumAvailable())('a page on another origin gets nothing (Chromium)', () => {
  let app: TestApp;
  let evil: Server;
  let evilUrl: string;
  let browser: Browser;
  let cookie: string;

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
    cookie = await app.login(ADMIN.loginId, ADMIN.password);
    evil = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      if (req.url === '/frame')
        res.end(`<!doctype html><iframe id="f" src="${app.url}/" width="400" height="300"></iframe>`);
      else res.end(`<!doctype html><title>evil</title><script>${ATTACK(app.url)}</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await app?.close();
  });

  async function signedInPage() {
    const { context, page } = await newUser(browser);
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: app.url, httpOnly: true, sameSite: 'Lax' }]);
    return { context, page };
  }

  it("cannot read, mint a token, or subscribe with the admin's cookie", async () => {
    const before = await app.db.prisma.apiToken.count();
    const { context, page } = await signedInPage();
    await page.goto(`${evilUrl}/`);
    await page.waitForFunction(
      () => (window as unknown as { results?: { done?: boolean } }).results?.done === true,
      null,
      { timeout: 30_000 },
    );
    const results = (await page.evaluate(
      () => (window as unknown as { results: Record<string, string> }).results,
    )) as Record<string, string>;
    expect(results.fetchJson).toMatch(/^blocked/);
    expect(results.simplePost).toBe('type=opaque body=');
    expect(results.get).toMatch(/^blocked/);
    expect(results.ws).toMatch(/^closed 4403/);
    expect(JSON.stringify(results)).not.toMatch(/pwt_|root/);
    expect(await app.db.prisma.apiToken.count()).toBe(before);
    await context.close();
  });

  it("the same script on the dashboard's own origin works (control)", async () => {
    const { context, page } = await signedInPage();
    await page.goto(`${app.url}/health`);
    const text = await page.evaluate(async () => {
      const r = await fetch('/graphql', {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { loginId } }' }),
      });
      return r.text();
    });
    expect(JSON.parse(text)).toEqual({ data: { viewer: { loginId: ADMIN.loginId } } });
    await context.close();
  });

  it('cannot frame the dashboard', async () => {
    const { context, page } = await signedInPage();
    const blocked: string[] = [];
    page.on('console', (m) => blocked.push(m.text()));
    await page.goto(`${evilUrl}/frame`);
    await page.waitForTimeout(1_500);
    const child = page.frames().find((f) => f !== page.mainFrame());
    const inside = child ? await child.evaluate(() => document.title).catch(() => 'inaccessible') : 'no frame';
    expect(inside).not.toBe('portwatch');
    expect(blocked.join('\n')).toMatch(/frame-ancestors|Refused to display/i);
    await context.close();
  });
});
