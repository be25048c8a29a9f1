import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer } from '../helpers/fixtures.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'build/client');

interface Chunk {
  file: string;
  imports?: string[];
  isEntry?: boolean;
  css?: string[];
}

/** The JS files that only /admin routes load (not the entry, the layout or any other route). */
function adminOnlyFiles(): Set<string> {
  const manifest = JSON.parse(
    readFileSync(path.join(root, '.svelte-kit/output/client/.vite/manifest.json'), 'utf8'),
  ) as Record<string, Chunk>;
  const app = readFileSync(path.join(root, '.svelte-kit/generated/client-optimized/app.js'), 'utf8');
  const dict = /export const dictionary = (\{[\s\S]*?\});/.exec(app)?.[1];
  if (!dict) throw new Error('no route dictionary in the build');
  const routes = Object.entries(JSON.parse(dict.replace(/,(\s*})/, '$1')) as Record<string, number[]>);
  const nodeKey = (n: number) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`;
  const closure = (keys: string[]): Set<string> => {
    const seen = new Set<string>();
    const walk = (k: string) => {
      const c = manifest[k];
      if (!c || seen.has(c.file)) return;
      seen.add(c.file);
      for (const i of c.imports ?? []) walk(i);
    };
    keys.forEach(walk);
    return seen;
  };
  const isAdmin = (r: string) => r === '/admin' || r.startsWith('/admin/');
  const adminNodes = routes
    .filter(([r]) => isAdmin(r))
    .flatMap(([, n]) => n.filter((x) => x >= 0))
    .map(nodeKey);
  const otherNodes = routes
    .filter(([r]) => !isAdmin(r))
    .flatMap(([, n]) => n.filter((x) => x >= 0))
    .map(nodeKey);
  const shared = closure(['.svelte-kit/generated/client-optimized/app.js', nodeKey(0), nodeKey(1), ...otherNodes]);
  return new Set([...closure(adminNodes)].filter((f) => !shared.has(f)));
}

describe.skipIf(!chromiumAvailable())('admin console split, admin header at 1280 px', () => {
  let app: TestApp;
  let browser: Browser;
  let adminOnly: Set<string>;

  beforeAll(async () => {
    buildClient();
    adminOnly = adminOnlyFiles();
    app = await startTestApp({ PROBE_ENABLED: 'false' });
    await makeCustomer(app.db.prisma, 'hanbit');
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  }, 60_000);

  async function signIn(
    loginId: string,
    password: string,
    locale = 'en-US',
  ): Promise<{ page: Page; scripts: string[] }> {
    const { page } = await newUser(browser, { locale });
    const scripts: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('.js')) scripts.push(u.pathname.replace(/^\//, ''));
    });
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', loginId);
    await page.fill('#password', password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=logout]');
    return { page, scripts };
  }

  test('a customer walking every page of their menu downloads no admin-only chunk', async () => {
    // the admin console is a real part of the build: several files, tens of kilobytes
    const adminBytes = [...adminOnly].reduce((sum, f) => sum + statSync(path.join(out, f)).size, 0);
    expect(adminOnly.size).toBeGreaterThan(3);
    expect(adminBytes).toBeGreaterThan(40_000);
    // the page shell preloads none of them
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const f of adminOnly) expect(html).not.toContain(f);

    const { page, scripts } = await signIn('hanbit', CUSTOMER_PASSWORD);
    const links = await page
      .locator('#main-nav a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
    expect(links.length).toBeGreaterThan(4);
    for (const href of links) {
      await page.click(`#main-nav a[href="${href}"]`);
      await page.waitForURL(`**${href}`);
      await page.waitForSelector('main h1');
    }
    await page.goto(`${app.url}/monitors/new`);
    await page.waitForSelector('main h1');
    expect(scripts.length).toBeGreaterThan(5);
    expect(scripts.filter((s) => adminOnly.has(s))).toEqual([]);

    // the admin does load them
    const admin = await signIn(ADMIN.loginId, ADMIN.password);
    await admin.page.goto(`${app.url}/admin/inventory`);
    await admin.page.waitForSelector('main h1');
    expect(admin.scripts.some((s) => adminOnly.has(s))).toBe(true);
  }, 120_000);

  test('the admin header is one row at 1280 px, in English and in Korean', async () => {
    for (const locale of ['en-US', 'ko-KR']) {
      const { page } = await signIn(ADMIN.loginId, ADMIN.password, locale);
      await page.goto(`${app.url}/admin/settings`);
      await page.waitForSelector('main h1');
      const lang = locale.slice(0, 2);
      if ((await page.evaluate(() => document.documentElement.lang)) !== lang) {
        await page.click(`[data-testid=lang-${lang}]`).catch(() => {});
      }
      expect(page.viewportSize()?.width).toBe(1280);
      const box = await page.locator('.app-header').boundingBox();
      if (process.env.HEADER_SHOT) await page.locator('.app-header').screenshot({ path: `/tmp/header-${lang}.png` });
      const brand = await page.locator('.app-header .brand').boundingBox();
      const logout = await page.locator('[data-testid=logout]').boundingBox();
      const lastLink = await page.locator('#main-nav li:last-child a').boundingBox();
      // one row: the brand, the last menu entry and the sign-out button share a line
      expect(box!.height).toBeLessThan(64);
      expect(Math.abs(logout!.y + logout!.height / 2 - (brand!.y + brand!.height / 2))).toBeLessThan(12);
      expect(Math.abs(lastLink!.y + lastLink!.height / 2 - (brand!.y + brand!.height / 2))).toBeLessThan(12);
    }
  }, 120_000);
});
