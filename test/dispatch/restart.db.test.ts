// Issue 11 item 3: the whole server (server/main.ts) killed with SIGKILL while its DOWN messages
// are in flight (the SMTP server holds them before accepting) and while other hosts are still
// being decided, then started again under the same name. The restarted process knows its
// predecessor is dead (PGlite: it is the only process; PostgreSQL: same NODE_NAME), so it takes
// the predecessor's message claims and probe shards back at once instead of after their leases
// (120 s and 15 s). Asserted: every DOWN message reaches the SMTP server within 10 s of the
// restart, exactly once per incident and recipient, and the held rows were taken back because
// their process was gone (not by lease expiry). Both backends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.ts';
import { backend, createPostgresDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { startSmtpSink } from '../notify/fakes/index.ts';
import { switchablePort, until } from '../scale/fault-helpers.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Server {
  child: ChildProcess;
  ready: Promise<number>;
  exited: Promise<NodeJS.Signals | number | null>;
}

function startServer(env: Record<string, string>): Server {
  // `node --import tsx` (not the tsx CLI): SIGKILL must reach node itself
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<number>((resolve) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('portwatch is running')) resolve(Date.now());
    });
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, ready, exited };
}

describe(`server killed mid-dispatch and restarted (${backend})`, () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('delivers every DOWN within 10 s of the restart, once per recipient', async () => {
    const t0 = Date.now();
    const step = (what: string) => console.log(`[restart] +${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_NAME: 'restart-slot',
      LOG_LEVEL: 'warn',
      ADMIN_LOGIN: 'root',
      ADMIN_PASSWORD: 'root-password-1',
      SMTP_URL: sink.url,
      MAIL_FROM: 'portwatch <alerts@pw.example.com>',
      PROBE_MASS_FAILURE_SHARE: '1', // the prober's self-check is not under test (most ports here fail on purpose)
    };
    let open: () => Promise<Database>;
    if (backend === 'postgres') {
      const created = await createPostgresDatabase();
      cleanups.push(created.drop);
      env.DATABASE_URL = created.url;
      open = () => openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'pw-restart-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      env.DATA_DIR = dir;
      open = () => openDatabase({ kind: 'pglite', dataDir: dir });
    }

    // the data: three hosts already refusing (their incidents open before the kill), two that
    // stop answering just before it (decided by whichever process runs then), one that answers
    const refused = await switchablePort();
    const flip = await switchablePort();
    const answering = await switchablePort();
    await flip.up();
    await answering.up();
    cleanups.push(
      () => flip.down(),
      () => answering.down(),
    );
    const ids = { down: [] as string[], deciding: [] as string[] };
    {
      const db = await open();
      const owner = await makeCustomer(db.prisma, 'restarted');
      await db.prisma.adminRecipient.create({
        data: { name: 'Ops', email: 'ops@example.com', phone: null, language: 'en' },
      });
      const policy = {
        probeHost: '127.0.0.1',
        retryIntervalSec: 1,
        failureThreshold: 2,
        recoveryThreshold: 2,
        timeoutMs: 500,
        smsEnabled: false,
        phone: null,
      };
      for (let i = 0; i < 3; i++)
        ids.down.push(
          (
            await makeMonitor(db.prisma, {
              accountId: owner.id,
              ip: `198.18.7.${i + 1}`,
              ports: [refused.port],
              intervalSec: 2,
              ...policy,
            })
          ).id,
        );
      for (let i = 0; i < 2; i++)
        ids.deciding.push(
          (
            await makeMonitor(db.prisma, {
              accountId: owner.id,
              ip: `198.18.8.${i + 1}`,
              ports: [flip.port],
              intervalSec: 2,
              ...policy,
            })
          ).id,
        );
      await makeMonitor(db.prisma, {
        accountId: owner.id,
        ip: '198.18.9.1',
        ports: [answering.port],
        intervalSec: 2,
        ...policy,
      });
      await db.close();
    }
    const perIncident = 2; // the contact's mail and the admin recipient's mail

    // the SMTP server holds every message before accepting it: the sends are in flight
    let started = 0;
    sink.setBehaviour({ mailFromDelayMs: 600_000, onMailFrom: () => (started += 1) });
    const first = startServer(env);
    cleanups.push(() => void first.child.kill('SIGKILL'));
    await first.ready;
    step('first server ready');
    await until(
      "the refusing hosts' DOWN messages to be in flight",
      () => started >= ids.down.length * perIncident,
      60_000,
    );
    await flip.down();
    await new Promise((r) => setTimeout(r, 2_500)); // the flip hosts are being decided
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    step(`first server killed with ${started} sends in flight`);
    expect(sink.received).toHaveLength(0);

    // started again under the same name; the SMTP server accepts again
    const arrivals: number[] = [];
    sink.setBehaviour({});
    const second = startServer(env);
    cleanups.push(() => void second.child.kill('SIGKILL'));
    const readyAt = await second.ready;
    step('second server ready');
    const expected = (ids.down.length + ids.deciding.length) * perIncident;
    await until(
      `${expected} DOWN messages`,
      () => {
        while (arrivals.length < sink.received.length) arrivals.push(Date.now());
        return sink.received.length >= expected;
      },
      30_000,
    );
    step('all DOWN messages received');
    await new Promise((r) => setTimeout(r, 1_500)); // anything more would be a duplicate
    const worst = Math.max(...arrivals) - readyAt;
    console.log(
      `[restart] ${sink.received.length} messages; the last ${worst} ms after the restarted server was ready: ` +
        sink.received
          .map((m, i) => `${m.parsed.subject ?? ''} → ${m.rcptTo[0]?.address ?? ''} +${arrivals[i]! - readyAt} ms`)
          .join('; '),
    );
    expect(worst).toBeLessThan(10_000);

    second.child.kill('SIGTERM');
    await second.exited;
    const db = await open();
    cleanups.push(() => db.close());
    const rows = await db.prisma.notification.findMany({
      where: { kind: 'DOWN', incident: { monitorId: { in: [...ids.down, ...ids.deciding] } } },
      include: { events: true, incident: { select: { monitorId: true } } },
    });
    // one row per incident and recipient, each sent, each message received exactly once
    expect(rows.map((r) => r.incident.monitorId).sort()).toEqual(
      [...ids.down, ...ids.down, ...ids.deciding, ...ids.deciding].sort(),
    );
    expect(rows.every((r) => r.status === 'YES')).toBe(true);
    const messageIds = sink.received.map((m) => m.parsed.messageId ?? '');
    expect(new Set(messageIds).size).toBe(messageIds.length);
    expect(messageIds.length).toBe(rows.length);
    for (const r of rows)
      expect(
        messageIds.filter((id) => id.includes(r.id)),
        r.recipient,
      ).toHaveLength(1);
    // the messages held at the kill were taken back because their process was gone, not by lease expiry
    const held = rows.filter((r) => ids.down.includes(r.incident.monitorId!));
    for (const r of held) {
      expect(r.attempts, r.recipient).toBe(2);
      expect(
        r.events.some((e) => e.detail?.includes('its process is gone')),
        r.recipient,
      ).toBe(true);
    }
  }, 400_000);
});
