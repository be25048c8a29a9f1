// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core. Never a downloaded
// browser. Each launch gets a fresh temporary profile (playwright's own --user-data-dir).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** A separate cookie jar (one signed-in person) with a desktop or phone viewport. */
export async function newUser(
  browser: Browser,
  opts: { phone?: boolean; locale?: string; timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    locale: opts.locale ?? 'en-US',
    timezoneId: opts.timezoneId ?? 'Asia/Seoul',
    reducedMotion: 'reduce',
  });
  // a page load may wait a minute: CI's browser phase shares two cores with a second Chromium,
  // two servers and an abuse run (a 15 s page.goto timed out there); the suites assert what the
  // screens show, not how fast
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(60_000); // the page's default above would win over the context's
  return { context, page };
}

/** A new person (own cookie jar) signed in on the dashboard at `url`; `close` ends the person. */
export async function signedIn(
  browser: Browser,
  url: string,
  loginId: string,
  password: string,
  opts: { locale?: string } = {},
): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await newUser(browser, opts);
  page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
  await page.goto(`${url}/login`);
  await page.fill('#loginId', loginId);
  await page.fill('#password', password);
  await page.click('[data-testid=login-form] button[type=submit]');
  await page.waitForSelector('[data-testid=logout]', { timeout: 60_000 });
  return { page, close: () => context.close() };
}

/** Builds the dashboard the e2e suites serve (scripts/prepare.mjs client: skipped when it is current). */
export function buildClient(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const build = spawnSync(process.execPath, ['scripts/prepare.mjs', 'client'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`client build failed:\n${build.stdout}\n${build.stderr}`);
}
