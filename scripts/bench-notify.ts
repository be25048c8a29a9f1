// npm run bench:notify — 1,000 incidents confirmed at once (incidents + ledger rows committed in
// one transaction, as the probe runtime does), one e-mail and one SMS each, dispatched by the real
// dispatcher to a local SMTP server and a local NHN-shaped SMS server running in a child process.
// Handoff = confirmation (the moment before the commit) → SMTP "250" / provider accepted, taken
// from the ledger's sentAt. Last line: JSON {incidents, messages, handoffP50Ms, handoffP99Ms,
// messagesPerSec, failures}.
//   --incidents N          (default 1000)
//   --postgres URL         run on PostgreSQL: a database is created there and dropped after
//                          (default: embedded PGlite, in memory)
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../server/db/index.ts';
import { createEmailChannel } from '../server/notify/email.ts';
import { createNhnProvider } from '../server/notify/sms/nhn.ts';
import { createDispatcher } from '../server/services/dispatch/dispatcher.ts';
import { createEvents } from '../server/services/events.ts';
import { startNhnFake } from '../test/notify/fakes/nhn-fake.ts';

type SinkInfo = { smtpPort: number; nhnUrl: string; appKey: string; secretKey: string };
type SinkCounts = { mails: number; uniqueMails: number; sms: number };

// ───────────── child process: the receiving side ─────────────
async function runSinks(): Promise<void> {
  const messageIds = new Set<string>();
  let mails = 0;
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], hideDSN: false, logger: false, maxClients: 256, disableReverseLookup: true,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('latin1');
      });
      stream.on('end', () => {
        mails += 1;
        const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1];
        if (id) messageIds.add(id);
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const nhn = await startNhnFake();
  const info: SinkInfo = { smtpPort: (smtp.server.address() as AddressInfo).port, nhnUrl: nhn.url, appKey: nhn.appKey, secretKey: nhn.secretKey };
  process.send?.({ type: 'ready', info });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'counts') process.send?.({ type: 'counts', counts: { mails, uniqueMails: messageIds.size, sms: nhn.received.filter((r) => r.requestId).length } satisfies SinkCounts });
    if (m.type === 'exit') process.exit(0);
  });
}

function ask<T>(child: ChildProcess, type: string, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string } & Record<string, unknown>) => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve((m.info ?? m.counts) as T);
    };
    child.on('message', on);
    if (type) child.send({ type });
  });
}

// ───────────── parent: portwatch's side ─────────────
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function openBenchDatabase(): Promise<{ db: Database; label: string; drop(): Promise<void> }> {
  const admin = arg('postgres') ?? process.env.BENCH_POSTGRES_URL;
  if (!admin) {
    const pglite = await PGlite.create();
    const db = await openDatabase({ kind: 'pglite', instance: pglite });
    return { db, label: 'PGlite (embedded, in memory)', drop: async () => { await db.close(); await pglite.close(); } };
  }
  const name = `portwatch_bench_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
  return { db, label: `PostgreSQL (${url.host})`, drop: async () => { await db.close(); await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const incidents = Number(arg('incidents') ?? 1000);
  const child = fork(fileURLToPath(import.meta.url), ['--sinks'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sinks = await ask<SinkInfo>(child, '', 'ready');
  const { db, label, drop } = await openBenchDatabase();
  const prisma = db.prisma;
  const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: sinks.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 8, maxMessages: 1000 }); // as setup.ts with the default concurrency
  try {
    // monitors exist beforehand; what is timed starts when the incidents are confirmed
    const account = await prisma.account.create({ data: { loginId: 'bench', name: 'Bench', email: 'bench@example.com', passwordHash: 'x', kind: 'HOSTING', language: 'ko' } });
    const ips = Array.from({ length: incidents }, (_, i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    await prisma.server.createMany({ data: ips.map((ip) => ({ ip, accountId: account.id, source: 'HOSTING_INVENTORY' as const })) });
    const servers = await prisma.server.findMany({ select: { id: true, ip: true } });
    await prisma.monitor.createMany({
      data: servers.map((s, i) => ({
        accountId: account.id, serverId: s.id, activeServerId: s.id, host: s.ip, ports: [22, 80, 443],
        contactName: 'Ops', contactEmail: `ops${i}@example.com`, contactPhone: '+821012345678',
      })),
    });
    const monitors = await prisma.monitor.findMany({ select: { id: true, host: true, contactEmail: true } });

    const deps = { prisma, events: createEvents(), now: () => new Date(), secret: randomBytes(24).toString('base64url'), publicUrl: 'https://pw.example.com' };
    const dispatcher = createDispatcher(deps, {
      email: createEmailChannel({ transporter, from: 'portwatch <alerts@pw.example.com>', messageIdDomain: 'pw.example.com' }),
      sms: createNhnProvider({ baseUrl: sinks.nhnUrl, appKey: sinks.appKey, secretKey: sinks.secretKey, sendNo: '15446859', fetch }),
    });
    dispatcher.start();
    await dispatcher.settle();

    const cpu0 = process.cpuUsage();
    const t0 = new Date();
    const ids = monitors.map(() => crypto.randomUUID());
    await prisma.$transaction([
      prisma.incident.createMany({
        data: monitors.map((m, i) => ({ id: ids[i], monitorId: m.id, accountId: account.id, host: m.host, ports: [22, 80, 443], reason: `connect ECONNREFUSED ${m.host}:22`, openMonitorId: m.id, openedAt: t0 })),
      }),
      prisma.notification.createMany({
        data: monitors.flatMap((m, i) => [
          { incidentId: ids[i]!, accountId: account.id, kind: 'DOWN' as const, channel: 'EMAIL' as const, recipient: m.contactEmail, recipientRole: 'CONTACT' as const, language: 'ko' as const, nextAttemptAt: t0, createdAt: t0 },
          { incidentId: ids[i]!, accountId: account.id, kind: 'DOWN' as const, channel: 'SMS' as const, recipient: '+821012345678', recipientRole: 'CONTACT' as const, language: 'ko' as const, nextAttemptAt: t0, createdAt: t0 },
        ]),
      }),
    ]);
    const committedMs = Date.now() - t0.getTime();
    dispatcher.kick(); // what onNotificationsQueued does after the probe's commit
    await dispatcher.settle(300_000);
    const wallMs = Date.now() - t0.getTime();
    const cpu = process.cpuUsage(cpu0);
    await dispatcher.stop();

    const rows = await prisma.notification.findMany({ select: { status: true, sentAt: true, channel: true, attempts: true } });
    const sent = rows.filter((r) => r.status === 'YES' && r.sentAt);
    const handoffs = sent.map((r) => r.sentAt!.getTime() - t0.getTime()).sort((a, b) => a - b);
    const lastMs = handoffs.at(-1) ?? 0;
    const counts = await ask<SinkCounts>(child, 'counts', 'counts');
    const result = {
      incidents,
      messages: sent.length,
      handoffP50Ms: percentile(handoffs, 50),
      handoffP99Ms: percentile(handoffs, 99),
      messagesPerSec: Math.round((sent.length / Math.max(1, lastMs)) * 1000),
      failures: rows.length - sent.length,
    };
    const byChannel = (c: string) => {
      const h = sent.filter((r) => r.channel === c).map((r) => r.sentAt!.getTime() - t0.getTime()).sort((a, b) => a - b);
      return `p50 ${percentile(h, 50)} ms, p99 ${percentile(h, 99)} ms`;
    };
    console.log(`database: ${label}; ${rows.length} ledger rows committed in ${committedMs} ms; all settled after ${wallMs} ms`);
    console.log(`e-mail ${byChannel('EMAIL')} | SMS ${byChannel('SMS')} | retried rows: ${rows.filter((r) => r.attempts > 1).length}`);
    console.log(`received: SMTP ${counts.mails} (${counts.uniqueMails} distinct Message-IDs), SMS ${counts.sms}`);
    console.log(`portwatch process CPU: ${Math.round((cpu.user + cpu.system) / 1000)} ms (${((cpu.user + cpu.system) / 1000 / rows.length).toFixed(2)} ms per message, commit included); load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`);
    console.log(JSON.stringify(result));
    if (counts.mails !== counts.uniqueMails || counts.mails + counts.sms !== sent.length) process.exitCode = 1;
  } finally {
    transporter.close();
    await drop();
    child.send({ type: 'exit' });
  }
}

if (process.argv.includes('--sinks')) {
  void runSinks();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
