import { startTestApp, ADMIN } from '../test/helpers/app.ts';
import { launchBrowser, newUser } from '../test/e2e/browser.ts';
const app = await startTestApp();
const browser = await launchBrowser();
try {
  const { page } = await newUser(browser);
  page.on('console', (m) => console.log('console:', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(app.url + '/');
  await page.waitForSelector('form[data-testid=login-form]');
  await page.screenshot({ path: '/tmp/shot-login.png' });
  await page.fill('#loginId', ADMIN.loginId);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL('**/admin');
  await page.waitForTimeout(1000);
  console.log('conn', await page.getAttribute('[data-testid=connection]', 'data-status'));
  await page.goto(app.url + '/tokens');
  await page.waitForSelector('h1');
  await page.fill('#token-name', 'ci');
  await page.click('form button.primary');
  await page.waitForSelector('[data-testid=token-secret]');
  await page.screenshot({ path: '/tmp/shot-tokens.png', fullPage: true });
} finally {
  await browser.close();
  await app.close();
}
