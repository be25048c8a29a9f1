// npm run bench:api -- [--customers 50] [--monitors 40] [--failures 2000] [--concurrency 32]
//                      [--duration 20] [--db pglite|postgres]
// API load: one portwatch process (a child: the real runtime) with `customers` customers of
// `monitors` monitors each and `failures` failure-log rows per customer (with incidents and
// ledger rows for the MAIL / SMS columns); this process runs `concurrency` request loops for
// `duration` seconds over the dashboard's hot reads: a customer's monitor list, an admin's
// monitor list across customers, and a monitor's failure log (one page of 50, newest first).
// Last line: JSON. Everything runs on loopback.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compactChecks } from '../server/monitoring/runs.ts';
import { benchDatabase } from './bench-db.ts';

const self = fileURLToPath(import.meta.url);
const { values: a } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    customers: { type: 'string', default: '50' },
    monitors: { type: 'string', default: '40' },
    failures: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    duration: { type: 'string', default: '20' },
    db: { type: 'string', default: 'pglite' },
  },
});
const say = (m: string) => process.stderr.write(`${m}\n`);
type Msg = { type: string; [k: string]: unknown };

// ── the portwatch process, with data ──
async function server() {
  const { loadConfig } = await import('../server/config.ts');
  const { startRuntime } = await import('../server/main.ts');
  const { hashPassword } = await import('../server/services/passwords.ts');
  const { encodeGlobalID } = await import('@pothos/plugin-relay');
  const database = await benchDatabase(a.db, 'pw-bench-api');
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    PROBE_ENABLED: 'false',
    ADMIN_LOGIN: 'bench',
    ADMIN_PASSWORD: 'bench-password',
    DATABASE_POOL_SIZE: '20',
    ...database.env,
  });
  const rt = await startRuntime(config, {
    log: (level, msg, extra) => level !== 'info' && say(`server ${level}: ${msg} ${JSON.stringify(extra ?? {})}`),
  });
  const p = rt.db.prisma;
  const passwordHash = await hashPassword('bench-customer');
  const C = Number(a.customers);
  const M = Number(a.monitors);
  const F = Number(a.failures);
  const hot: string[] = [];
  const started = Date.now();
  for (let c = 0; c < C; c++) {
    const account = await p.account.create({
      data: {
        loginId: `cust${c}`,
        name: `Customer ${c}`,
        email: `c${c}@example.com`,
        passwordHash,
        kind: 'HOSTING',
        language: 'en',
      },
    });
    await p.server.createMany({
      data: Array.from({ length: M }, (_, i) => ({
        ip: `10.${c >> 8}.${c & 255}.${i + 1}`,
        accountId: account.id,
        source: 'HOSTING_INVENTORY' as const,
      })),
    });
    const servers = await p.server.findMany({ where: { accountId: account.id } });
    await p.monitor.createMany({
      data: servers.map((s) => ({
        accountId: account.id,
        serverId: s.id,
        activeServerId: s.id,
        host: s.ip,
        ports: [22, 80, 443],
        contactName: 'Kim',
        contactEmail: `ops${c}@example.com`,
      })),
    });
    const monitors = await p.monitor.findMany({ where: { accountId: account.id }, select: { id: true, host: true } });
    const m = monitors[0]!;
    hot.push(encodeGlobalID('Monitor', m.id));
    // the hot monitor's history: incidents with their DOWN messages, and failure rows
    const now = Date.now();
    for (let k = 0; k < Math.ceil(F / 100); k++) {
      const openedAt = new Date(now - (k + 1) * 3_600_000);
      const inc = await p.incident.create({
        data: {
          monitorId: m.id,
          accountId: account.id,
          host: m.host,
          ports: [22],
          reason: 'ECONNREFUSED',
          openedAt,
          resolvedAt: new Date(openedAt.getTime() + 600_000),
        },
      });
      await p.notification.createMany({
        data: (['EMAIL', 'SMS'] as const).map((channel) => ({
          incidentId: inc.id,
          accountId: account.id,
          kind: 'DOWN' as const,
          channel,
          recipient: channel === 'EMAIL' ? 'ops@example.com' : '+821012345678',
          recipientRole: 'CONTACT' as const,
          status: 'YES' as const,
        })),
      });
      // up to 100 failed checks 6 s apart: compacted into runs as the runtime stores them
      await p.failureRun.createMany({
        data: compactChecks(
          Array.from({ length: Math.min(100, F - k * 100) }, (_, i) => ({
            monitorId: m.id,
            port: 22,
            at: openedAt.getTime() + i * 6_000,
            code: 'ECONNREFUSED',
            message: `connect ECONNREFUSED ${m.host}:22`,
            incidentId: inc.id,
            latencyMs: 1,
            flapping: false,
            maintenance: false,
          })),
        ),
      });
    }
  }
  say(
    `seeded ${C} customers × ${M} monitors, ${C * F} failure rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.on('message', (msg: Msg) => {
    if (msg.type === 'stop')
      void rt
        .stop()
        .then(database.drop)
        .then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: rt.url, hot });
}

// ── the load ──
const MONITORS = `{ monitors(first: 50) { totalCount nodes { id host ports paused status { state text } portStatuses { port phase lastCheckAt } } } }`;
const ADMIN_MONITORS = `{ monitors(first: 50) { totalCount nodes { id host account { loginId name } status { state } } } }`;
const FAILURES = `query($m: ID!) { failureLog(monitor: $m, first: 50) { totalCount nodes { at port code message mail { status recipient } sms { status } } } }`;

async function login(url: string, loginId: string, password: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($l:String!,$p:String!){ login(loginId:$l,password:$p){ __typename } }`,
      variables: { l: loginId, p: password },
    }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login ${loginId} failed: ${await res.text()}`);
  return cookie;
}

async function main() {
  const srv = fork(self, ['--role', 'server', ...process.argv.slice(2)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await new Promise<Msg>((r) => srv.once('message', r));
  const url = String(info.url);
  const hot = info.hot as string[];
  const customers = await Promise.all(hot.slice(0, 8).map((_, i) => login(url, `cust${i}`, 'bench-customer')));
  const admin = await login(url, 'bench', 'bench-password');
  const kinds = ['customer monitors', 'admin monitors', 'failure log'] as const;
  const lat: Record<(typeof kinds)[number], number[]> = {
    'customer monitors': [],
    'admin monitors': [],
    'failure log': [],
  };
  let errors = 0;
  let n = 0;
  const end = Date.now() + Number(a.duration) * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: Number(a.concurrency) }, async (_, w) => {
      while (Date.now() < end) {
        const i = n++;
        const kind = kinds[i % 3]!;
        const c = i % customers.length;
        const body =
          kind === 'failure log'
            ? { query: FAILURES, variables: { m: hot[c] } }
            : { query: kind === 'admin monitors' ? ADMIN_MONITORS : MONITORS };
        const t = performance.now();
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: kind === 'admin monitors' ? admin : customers[c]! },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as { errors?: unknown; data?: unknown };
        lat[kind].push(performance.now() - t);
        if (res.status !== 200 || json.errors || !json.data) {
          errors += 1;
          if (errors <= 3) say(`worker ${w}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10 : null;
  };
  const all = Object.values(lat).flat();
  const exited = new Promise((r) => srv.once('exit', r));
  srv.send({ type: 'stop' });
  await exited;
  const result = {
    requests: all.length,
    requestsPerSec: Math.round(all.length / seconds),
    p50Ms: pct(all, 0.5),
    p99Ms: pct(all, 0.99),
    errors,
    byQuery: Object.fromEntries(
      kinds.map((k) => [k, { requests: lat[k].length, p50Ms: pct(lat[k], 0.5), p99Ms: pct(lat[k], 0.99) }]),
    ),
    concurrency: Number(a.concurrency),
    customers: Number(a.customers),
    monitorsPerCustomer: Number(a.monitors),
    failureRowsPerCustomer: Number(a.failures),
    db: a.db,
    loadAvg1m: Math.round(loadavg()[0]! * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (a.role === 'server') await server();
else {
  await main();
  process.exit(0);
}
