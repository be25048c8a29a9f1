// npm run bench:notify — 1,000 incidents confirmed at once (incidents + ledger rows committed in
// one transaction, as the probe runtime does), one e-mail and one SMS each, dispatched by the real
// dispatcher to a local SMTP server and a local NHN-shaped SMS server running in a child process.
// Handoff = confirmation (the moment before the commit) → SMTP "250" / provider accepted, taken
// from the ledger's sentAt. CPU per message = this (portwatch's) process's CPU from the commit to
// the last outcome written, divided by the messages (the commit itself is the probe's work and is
// reported apart). Runs on PGlite, then on PostgreSQL; last line: JSON
// {incidents, slowRcptMs, pglite: {...}, postgres: {...}} with hand-off p50/p99 (and p99 counted
// from the end of the commit), CPU ms per message (and the receiving process's), failures,
// duplicates and the lateness of a 100 ms timer in this process (what the in-process probe
// loop's schedule would suffer) per backend. Mail goes through the SMTP pool and SMS through the
// providers' keep-alive client, as setup.ts builds them.
//   --incidents N          (default 1000)
//   --postgres URL         the PostgreSQL server (a database is created there and dropped after;
//                          default BENCH_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/postgres)
//   --db pglite|postgres|both   (default both)
//   --pglite-memory             PGlite in memory instead of a data directory on disk (as `npm start`)
//   --slow-rcpt-ms N       the SMTP server waits N ms before answering each RCPT TO (default 0)
//   --email-concurrency N  e-mails in flight normally (DISPATCH_EMAIL_CONCURRENCY; default 8)
//   --email-max N          e-mails in flight (SMTP connections) the lane may grow to behind a slow
//                          server (DISPATCH_EMAIL_MAX_CONCURRENCY; default 128, as the product)
// With node --cpu-prof, the timed window's bounds are printed (profile-window …, µs of the
// monotonic clock the profile's timestamps use) so the profile can be cut to it.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../server/db/index.ts';
import { createEmailChannel } from '../server/notify/email.ts';
import { createSmtpPool } from '../server/notify/smtp-pool.ts';
import { createKeepAliveFetch } from '../server/notify/keepalive-fetch.ts';
import { createNhnProvider } from '../server/notify/sms/nhn.ts';
import { insertIncidents, insertLedger } from '../server/monitoring/bulk-insert.ts';
import { createDispatcher } from '../server/dispatch/dispatcher.ts';
import { laneBounds } from '../server/dispatch/lane-size.ts';
import { createEvents } from '../server/events/events.ts';
import { createSignals } from '../server/events/signals.ts';
import { startNhnFake } from '../test/notify/fakes/nhn-fake.ts';

type SinkInfo = { smtpPort: number; nhnUrl: string; appKey: string; secretKey: string };
type SinkCounts = { mails: number; uniqueMails: number; sms: number; cpuMs: number };

// ───────────── child process: the receiving side ─────────────
async function runSinks(): Promise<void> {
  const messageIds = new Set<string>();
  let mails = 0;
  const slowRcptMs = Number(arg('slow-rcpt-ms') ?? 0);
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideDSN: false,
    logger: false,
    maxClients: 256,
    disableReverseLookup: true,
    onRcptTo(_address, _session, cb) {
      if (slowRcptMs > 0) setTimeout(() => cb(), slowRcptMs);
      else cb();
    },
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
  const info: SinkInfo = {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    nhnUrl: nhn.url,
    appKey: nhn.appKey,
    secretKey: nhn.secretKey,
  };
  process.send?.({ type: 'ready', info });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'counts')
      process.send?.({
        type: 'counts',
        counts: {
          mails,
          uniqueMails: messageIds.size,
          sms: nhn.received.filter((r) => r.requestId).length,
          cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        } satisfies SinkCounts,
      });
    if (m.type === 'reset') {
      mails = 0;
      messageIds.clear();
      nhn.received.length = 0;
      process.send?.({ type: 'reset-done' });
    }
    if (m.type === 'exit') process.exit(0);
  });
}

function ask<T>(child: ChildProcess, type: string, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string } & Record<string, unknown>) => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve((m.info ?? m.counts ?? null) as T);
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

/** The mail lane's sends in flight, normal and at most, as the product sizes them (lane-size.ts). */
function emailLane(): { base: number; max: number } {
  const given = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  return laneBounds('EMAIL', given('email-concurrency'), given('email-max'));
}

type Backend = 'pglite' | 'postgres';

async function openBenchDatabase(backend: Backend): Promise<{ db: Database; label: string; drop(): Promise<void> }> {
  const admin = arg('postgres') ?? process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (backend === 'pglite' && process.argv.includes('--pglite-memory')) {
    const pglite = await PGlite.create();
    const db = await openDatabase({ kind: 'pglite', instance: pglite });
    return {
      db,
      label: 'PGlite (embedded, in memory)',
      drop: async () => {
        await db.close();
        await pglite.close();
      },
    };
  }
  if (backend === 'pglite') {
    // as `npm start` opens it: a data directory on disk (DATA_DIR)
    const dataDir = await mkdtemp(path.join(tmpdir(), 'portwatch-bench-'));
    const removeDir = () => rm(dataDir, { recursive: true, force: true });
    const db = await openDatabase({ kind: 'pglite', dataDir }).catch(async (err: unknown) => {
      await removeDir();
      throw err;
    });
    return {
      db,
      label: `PGlite (embedded, data directory ${dataDir})`,
      drop: async () => {
        try {
          await db.close();
        } finally {
          await removeDir();
        }
      },
    };
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
  return {
    db,
    label: `PostgreSQL (${url.host})`,
    drop: async () => {
      await db.close();
      await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface RunFigures {
  database: string;
  messages: number;
  handoffP50Ms: number;
  handoffP99Ms: number;
  /** The same from the end of the commit (the dispatcher's part alone). */
  handoffAfterCommitP99Ms: number;
  emailP99Ms: number;
  smsP99Ms: number;
  messagesPerSec: number;
  cpuMsPerMessage: number;
  /** The receiving process's CPU (SMTP server and NHN fake) per message over the same span. */
  sinkCpuMsPerMessage: number;
  commitMs: number;
  failures: number;
  duplicates: number;
  retried: number;
  /** How late a 100 ms timer in this process fired during the burst (the probe loop's schedule runs on such timers). */
  probeLatenessP99Ms: number;
  probeLatenessMaxMs: number;
}

/** A timer every 100 ms, as the probe scheduler's: how late each tick fires while the burst runs. */
function lateness(): () => number[] {
  const late: number[] = [];
  let due = performance.now() + 100;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    late.push(Math.max(0, now - due));
    due += 100;
    while (due < now) due += 100; // a tick missed altogether counts once, by its lateness
    setTimeout(tick, Math.max(0, due - performance.now()));
  };
  setTimeout(tick, 100);
  return () => {
    stopped = true;
    return late.sort((x, y) => x - y);
  };
}

async function runOnce(backend: Backend, incidents: number, sinks: SinkInfo, child: ChildProcess): Promise<RunFigures> {
  await ask<unknown>(child, 'reset', 'reset-done');
  const { db, label, drop } = await openBenchDatabase(backend);
  const prisma = db.prisma;
  const { base: emailConcurrency, max: emailMax } = emailLane();
  const smtp = createSmtpPool({
    url: `smtp://127.0.0.1:${sinks.smtpPort}`,
    maxConnections: emailMax,
    maxMessages: 1000,
  }); // as setup.ts
  const fetchLike = createKeepAliveFetch(); // as setup.ts: the providers' keep-alive client
  try {
    // monitors exist beforehand; what is timed starts when the incidents are confirmed
    const account = await prisma.account.create({
      data: {
        loginId: 'bench',
        name: 'Bench',
        email: 'bench@example.com',
        passwordHash: 'x',
        kind: 'HOSTING',
        language: 'ko',
      },
    });
    const ips = Array.from({ length: incidents }, (_, i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    await prisma.server.createMany({
      data: ips.map((ip) => ({ ip, accountId: account.id, source: 'HOSTING_INVENTORY' as const })),
    });
    const servers = await prisma.server.findMany({ select: { id: true, ip: true } });
    await prisma.monitor.createMany({
      data: servers.map((s, i) => ({
        accountId: account.id,
        serverId: s.id,
        activeServerId: s.id,
        host: s.ip,
        ports: [22, 80, 443],
        contactName: 'Ops',
        contactEmail: `ops${i}@example.com`,
        contactPhone: '+821012345678',
      })),
    });
    const monitors = await prisma.monitor.findMany({ select: { id: true, host: true, contactEmail: true } });

    const deps = {
      prisma,
      events: createEvents(),
      signals: createSignals(),
      now: () => new Date(),
      secret: randomBytes(24).toString('base64url'),
      publicUrl: 'https://pw.example.com',
    };
    const dispatcher = createDispatcher(deps, {
      email: createEmailChannel({
        smtp,
        from: 'portwatch <alerts@pw.example.com>',
        messageIdDomain: 'pw.example.com',
      }),
      sms: createNhnProvider({
        baseUrl: sinks.nhnUrl,
        appKey: sinks.appKey,
        secretKey: sinks.secretKey,
        sendNo: '15446859',
        fetch: fetchLike,
      }),
      concurrency: { EMAIL: emailConcurrency },
      maxConcurrency: { EMAIL: emailMax },
    });
    dispatcher.start();
    await dispatcher.settle();

    const mark = (what: string) =>
      process.execArgv.some((x) => x.startsWith('--cpu-prof')) &&
      console.error(`profile-window ${backend} ${what} ${process.hrtime.bigint() / 1000n}`);
    mark('start');
    const t0 = new Date();
    const ids = monitors.map(() => crypto.randomUUID());
    await prisma.$transaction(
      async (tx) => {
        // as the probe's writeBatch (server/monitoring/store.ts) writes them
        await insertIncidents(
          tx,
          monitors.map((m, i) => ({
            id: ids[i]!,
            kind: 'HOST_DOWN' as const,
            monitorId: m.id,
            accountId: account.id,
            host: m.host,
            ports: [22, 80, 443],
            reason: `connect ECONNREFUSED ${m.host}:22`,
            openedAt: t0,
          })),
        );
        const row = { accountId: account.id, kind: 'DOWN' as const, seq: 0, recipientRole: 'CONTACT' as const };
        const more = { language: 'ko' as const, status: 'QUEUED' as const, statusDetail: null, nextAttemptAt: t0 };
        await insertLedger(
          tx,
          monitors.flatMap((m, i) => [
            { ...row, ...more, incidentId: ids[i]!, channel: 'EMAIL' as const, recipient: m.contactEmail },
            { ...row, ...more, incidentId: ids[i]!, channel: 'SMS' as const, recipient: '+821012345678' },
          ]),
          t0,
        );
      },
      { timeout: 120_000 },
    ); // the commit is the probe's work, not timed here; a loaded machine must not abort it
    const committedMs = Date.now() - t0.getTime();
    mark('committed');
    const sinkCpu0 = (await ask<SinkCounts>(child, 'counts', 'counts')).cpuMs;
    const cpu0 = process.cpuUsage();
    const stopLateness = lateness();
    dispatcher.kick(); // what the notificationsQueued signal does after the probe's commit
    await dispatcher.settle(300_000);
    const wallMs = Date.now() - t0.getTime();
    const cpu = process.cpuUsage(cpu0);
    const late = stopLateness();
    mark('end');
    await dispatcher.stop();

    const rows = await prisma.notification.findMany({
      select: { status: true, sentAt: true, channel: true, attempts: true },
    });
    const sent = rows.filter((r) => r.status === 'YES' && r.sentAt);
    const handoffs = sent.map((r) => r.sentAt!.getTime() - t0.getTime()).sort((a, b) => a - b);
    const lastMs = handoffs.at(-1) ?? 0;
    const counts = await ask<SinkCounts>(child, 'counts', 'counts');
    const p99Of = (c: string) =>
      percentile(
        sent
          .filter((r) => r.channel === c)
          .map((r) => r.sentAt!.getTime() - t0.getTime())
          .sort((a, b) => a - b),
        99,
      );
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const figures: RunFigures = {
      database: backend,
      messages: sent.length,
      handoffP50Ms: percentile(handoffs, 50),
      handoffP99Ms: percentile(handoffs, 99),
      handoffAfterCommitP99Ms: Math.max(0, percentile(handoffs, 99) - committedMs),
      emailP99Ms: p99Of('EMAIL'),
      smsP99Ms: p99Of('SMS'),
      messagesPerSec: Math.round((sent.length / Math.max(1, lastMs)) * 1000),
      cpuMsPerMessage: Number((cpuMs / Math.max(1, rows.length)).toFixed(2)),
      sinkCpuMsPerMessage: Number(((counts.cpuMs - sinkCpu0) / Math.max(1, rows.length)).toFixed(2)),
      commitMs: committedMs,
      failures: rows.length - sent.length,
      // more arrivals than ledger rows sent, or one Message-ID twice
      duplicates: Math.max(0, counts.mails + counts.sms - sent.length) + (counts.mails - counts.uniqueMails),
      retried: rows.filter((r) => r.attempts > 1).length,
      probeLatenessP99Ms: Math.round(percentile(late, 99)),
      probeLatenessMaxMs: Math.round(late.at(-1) ?? 0),
    };
    console.log(
      `database: ${label}; ${rows.length} ledger rows committed in ${committedMs} ms; all settled after ${wallMs} ms`,
    );
    console.log(
      `  hand-off p50 ${figures.handoffP50Ms} ms, p99 ${figures.handoffP99Ms} ms (${figures.handoffAfterCommitP99Ms} ms after the commit) | e-mail p99 ${figures.emailP99Ms} ms | SMS p99 ${figures.smsP99Ms} ms | retried rows: ${figures.retried}`,
    );
    console.log(`  received: SMTP ${counts.mails} (${counts.uniqueMails} distinct Message-IDs), SMS ${counts.sms}`);
    console.log(
      `  a 100 ms timer in this process (the probe loop's schedule) fired late by p99 ${figures.probeLatenessP99Ms} ms, at most ${figures.probeLatenessMaxMs} ms`,
    );
    console.log(
      `  portwatch process CPU after the commit: ${Math.round(cpuMs)} ms = ${figures.cpuMsPerMessage} ms per message (the receiving process: ${figures.sinkCpuMsPerMessage} ms); load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`,
    );
    return figures;
  } finally {
    smtp.close();
    fetchLike.close();
    await drop();
  }
}

async function main(): Promise<void> {
  const incidents = Number(arg('incidents') ?? 1000);
  const slowRcptMs = Number(arg('slow-rcpt-ms') ?? 0);
  const which = arg('db') ?? 'both';
  const backends: Backend[] =
    which === 'both' ? ['pglite', 'postgres'] : [which === 'postgres' ? 'postgres' : 'pglite'];
  const child = fork(fileURLToPath(import.meta.url), ['--sinks', '--slow-rcpt-ms', String(slowRcptMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sinks = await ask<SinkInfo>(child, '', 'ready');
  const result: Record<string, unknown> = {
    incidents,
    slowRcptMs,
    emailConcurrency: emailLane().base,
    emailMaxConcurrency: emailLane().max,
  };
  try {
    for (const b of backends) {
      const f = await runOnce(b, incidents, sinks, child);
      result[b] = f;
      if (f.failures > 0 || f.duplicates > 0) process.exitCode = 1;
    }
  } finally {
    child.send({ type: 'exit' });
  }
  console.log(JSON.stringify(result));
}

if (process.argv.includes('--sinks')) {
  void runSinks();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
