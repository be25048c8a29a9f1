// `npm run bench:ui`: how fast the admin's monitor list renders with many monitors.
//
// Starts the real server (probe loop OFF: the seeded addresses are loopback ones and are
// never connected to) on a fresh database — embedded PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set — seeds BENCH_MONITORS monitors (default 100,000) spread over
// 1,000 customers, signs in as the admin in real Chromium and measures, several times each:
//   - firstPage: loading /admin/monitors (the whole SPA) until the first page of rows is on
//     screen (coldFirstPage: the very first load, before the browser has cached the bundle);
//   - inApp:    from the overview, the "Monitors" menu link until the rows are on screen;
//   - nextPage: the "Next" button until the next page is on screen;
//   - search:   a login-id search until its rows are on screen;
//   - filter:   the PAUSED status filter until its rows are on screen;
//   - graphql:  the AdminMonitors request alone (server time + transfer), from the browser.
// The last line of output is JSON. Goal: firstPage p95 < 1000 ms at 100,000 monitors.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ADMIN, startTestApp } from '../test/helpers/app.ts';
import { launchBrowser, newUser } from '../test/e2e/browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOTAL = Number(process.env.BENCH_MONITORS ?? 100_000);
const CUSTOMERS = Math.min(1_000, Math.max(1, Math.ceil(TOTAL / 100)));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return {
    min: Math.round(s[0]!),
    median: Math.round(at(0.5)),
    p95: Math.round(at(0.95)),
    max: Math.round(s[s.length - 1]!),
  };
}

async function main() {
  const build = spawnSync(process.execPath, ['scripts/prepare.mjs', 'client'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('client build failed');

  const app = await startTestApp({ PROBE_ENABLED: 'false' });
  const browser = await launchBrowser();
  try {
    const prisma = app.services.prisma;
    const seedStart = Date.now();
    const passwordHash = (await prisma.account.findFirstOrThrow({ where: { loginId: ADMIN.loginId } })).passwordHash;
    const accounts = Array.from({ length: CUSTOMERS }, (_, c) => ({
      id: `bench_acc_${c}`,
      loginId: `cust${String(c).padStart(4, '0')}`,
      name: `Customer ${c}`,
      email: `cust${c}@example.com`,
      kind: 'HOSTING' as const,
      passwordHash,
    }));
    await prisma.account.createMany({ data: accounts });
    // Servers and monitors in two set-based INSERTs (generate_series): seconds, not minutes.
    const ip = `'127.' || (1 + (i + 1) / 65536) || '.' || ((i + 1) / 256 % 256) || '.' || ((i + 1) % 256)`;
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Server" ("id", "ip", "accountId", "source", "allowPrivate", "createdAt")
       SELECT 'bench_srv_' || i, ${ip}, 'bench_acc_' || (i % ${CUSTOMERS}), 'HOSTING_INVENTORY'::"ServerSource", true, now()
       FROM generate_series(0, ${TOTAL - 1}) AS i`,
    );
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Monitor" ("id", "accountId", "serverId", "activeServerId", "host", "ports", "contactName", "contactEmail", "pausedAt", "createdAt", "updatedAt")
       SELECT 'bench_mon_' || i, 'bench_acc_' || (i % ${CUSTOMERS}), 'bench_srv_' || i, 'bench_srv_' || i, ${ip}, ARRAY[22, 80, 443],
              'Contact ' || i, 'ops' || i || '@example.com', CASE WHEN i % 97 = 0 THEN now() END, now(), now()
       FROM generate_series(0, ${TOTAL - 1}) AS i`,
    );
    await prisma.$executeRawUnsafe('ANALYZE "Server"');
    await prisma.$executeRawUnsafe('ANALYZE "Monitor"');
    const seedSeconds = (Date.now() - seedStart) / 1000;
    process.stdout.write(
      `seeded ${TOTAL} monitors (127.x.y.z, never probed) in ${seedSeconds.toFixed(1)} s; measuring ${RUNS} runs each\n`,
    );

    const { page } = await newUser(browser);
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', ADMIN.loginId);
    await page.fill('#password', ADMIN.password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForURL('**/admin');

    const rows = '[data-testid=admin-monitor-row]';
    const firstCell = () => page.$eval(`${rows} td:nth-child(2) a`, (a) => a.textContent ?? '');
    const timed = async (action: () => Promise<unknown>, until: () => Promise<unknown>) => {
      const t0 = performance.now();
      await action();
      await until();
      return performance.now() - t0;
    };
    const changedFrom = async (p: Page, before: string) => {
      await p.waitForFunction(
        (b) => document.querySelector('[data-testid=admin-monitor-row] td:nth-child(2) a')?.textContent !== b,
        before,
      );
      await p.waitForSelector(rows);
    };

    const coldFirstPage = await timed(
      () => page.goto(`${app.url}/admin/monitors`),
      () => page.waitForSelector(rows),
    );
    const firstPage: number[] = [];
    const inApp: number[] = [];
    const nextPage: number[] = [];
    const search: number[] = [];
    const filter: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      // full navigation (SPA boot + query + render), as a user typing the address
      firstPage.push(
        await timed(
          () => page.goto(`${app.url}/admin/monitors`),
          () => page.waitForSelector(rows),
        ),
      );
      await page.goto(`${app.url}/admin`);
      await page.waitForSelector('[data-testid=open-incidents]');
      inApp.push(
        await timed(
          () => page.click('nav a[href="/admin/monitors"]'),
          () => page.waitForSelector(rows),
        ),
      );
      const before = await firstCell();
      nextPage.push(
        await timed(
          () => page.click('[data-testid=pager-next]'),
          () => changedFrom(page, before),
        ),
      );
      await page.goto(`${app.url}/admin/monitors`);
      await page.waitForSelector(rows);
      const b2 = await firstCell();
      await page.fill('#am-search', `cust${String((r * 37) % CUSTOMERS).padStart(4, '0')}`);
      search.push(
        await timed(
          () => page.click('form[role=search] button[type=submit]'),
          () => changedFrom(page, b2),
        ),
      );
      await page.goto(`${app.url}/admin/monitors`);
      await page.waitForSelector(rows);
      const b3 = await firstCell();
      await page.selectOption('#am-status', 'PAUSED');
      filter.push(
        await timed(
          () => page.click('form[role=search] button[type=submit]'),
          () => changedFrom(page, b3),
        ),
      );
    }
    const graphql: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      graphql.push(
        await page.evaluate(async () => {
          const query = `query AdminMonitors($first: Int) { monitors(first: $first, includeDeleted: false) { totalCount pageInfo { hasNextPage endCursor } nodes { id host ports contactName contactEmail contactPhone mailEnabled smsEnabled paused deleted createdAt server { id label source } portStatuses { port phase since lastCheckAt lastOk latencyMs errorCode error } status { state lastCheckAt delayedSince } policy { intervalSec retryIntervalSec timeoutMs failureThreshold recoveryThreshold } account { id loginId name } } } }`;
          const t0 = performance.now();
          const res = await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables: { first: 50 } }),
          });
          await res.json();
          return performance.now() - t0;
        }),
      );
    }
    const total = await page.evaluate(async () => {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ monitors(first: 1) { totalCount } }' }),
      });
      return ((await res.json()) as { data: { monitors: { totalCount: number } } }).data.monitors.totalCount;
    });
    const result = {
      monitors: total,
      customers: CUSTOMERS,
      database: process.env.TEST_DB_BACKEND === 'postgres' ? 'postgresql' : 'pglite',
      pageSize: 50,
      runs: RUNS,
      coldFirstPageMs: Math.round(coldFirstPage),
      firstPageMs: stats(firstPage),
      inAppMs: stats(inApp),
      nextPageMs: stats(nextPage),
      searchMs: stats(search),
      filterMs: stats(filter),
      graphqlMs: stats(graphql),
      seedSeconds: Math.round(seedSeconds),
      loadAverage: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10),
      cpus: (await import('node:os')).cpus().length,
      goalFirstPageP95Under1s: stats(firstPage).p95 < 1000,
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
