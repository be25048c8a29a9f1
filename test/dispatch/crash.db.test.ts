// A dispatcher dies mid-send; another one resumes. Nothing is lost. What can be duplicated is
// exactly the messages the SMTP server had accepted when the process died, before the ledger
// recorded it; those resends carry the same Message-ID. Measured here, not assumed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel, type EmailChannel } from '../../server/notify/email.ts';
import { createNoneProvider } from '../../server/notify/sms/none.ts';
import { openDatabase } from '../../server/db/index.ts';
import { createDispatcher } from '../../server/dispatch/dispatcher.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { makeDeps, makeIncident, queueRows, waitFor } from './helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

function duplicates(sink: SmtpSink): { unique: number; duplicated: string[] } {
  const seen = new Map<string, number>();
  for (const m of sink.received) seen.set(m.parsed.messageId ?? '', (seen.get(m.parsed.messageId ?? '') ?? 0) + 1);
  return { unique: seen.size, duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id) };
}

describe(`dispatcher killed mid-send (${backend})`, () => {
  let t: TestDatabase;
  let sink: SmtpSink;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    sink.received.length = 0;
    sink.setBehaviour({});
  });
  afterAll(async () => {
    await sink.close();
    await t.drop();
  });

  function emailChannel(): EmailChannel {
    const transporter = nodemailer.createTransport({ ...sink.transportOptions, pool: true, maxConnections: 4 });
    cleanups.push(() => transporter.close());
    return createEmailChannel({
      transporter,
      from: 'portwatch <alerts@pw.example.com>',
      messageIdDomain: 'pw.example.com',
    });
  }

  it('in process: a dispatcher that stops answering is taken over after its lease; only accepted-but-unrecorded mail repeats', async () => {
    const prisma = t.db.prisma;
    const { incident } = await makeIncident(prisma);
    const rows = await queueRows(
      prisma,
      incident,
      Array.from({ length: 10 }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `k${i}@example.com` })),
    );
    const real = emailChannel();
    // process A claims all ten: the first two sends reach the server, then A "dies" (its sends
    // never return); the next two die before the hand-over; six more sit claimed in its queue
    let started = 0;
    const dying: EmailChannel = {
      async send(msg) {
        started += 1;
        if (started <= 2) await real.send(msg);
        return new Promise(() => {});
      },
    };
    const a = createDispatcher(makeDeps(prisma), {
      email: dying,
      sms: createNoneProvider(),
      leaseMs: 400,
      pollMs: 3_600_000,
      concurrency: { EMAIL: 4 },
      maxConcurrency: { EMAIL: 4 }, // the transport's connections: the bounds below are in flight
    });
    a.start();
    await waitFor(
      async () =>
        (await prisma.notification.count({ where: { incidentId: incident.id, status: 'SENDING' } })) === 10 &&
        sink.received.length === 2,
      5_000,
      'A mid-send',
    );

    // B's polls find A's expired claims; a poll every 50 ms (two statements each on one PGlite
    // connection) starved the sends under CI's load, 200 ms is still half the lease
    const b = createDispatcher(makeDeps(prisma), { email: real, sms: createNoneProvider(), pollMs: 200 });
    cleanups.push(() => b.stop());
    b.start();
    await waitFor(
      async () => (await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } })) === 10,
      // how long the test waits, not a bound it asserts: under CI's load this took 12.6 s once and over 10 s once
      30_000,
      'B finished',
    );
    const { unique, duplicated } = duplicates(sink);
    expect(unique).toBe(10);
    expect(sink.received).toHaveLength(12);
    expect(duplicated).toHaveLength(2);
    const taken = await prisma.notification.findMany({
      where: { id: { in: rows.map((r) => r.id) } },
      include: { events: { orderBy: { id: 'asc' } } },
    });
    const reclaimed = taken.filter((r) => r.events.some((e) => e.detail?.includes('lease expired')));
    expect(reclaimed).toHaveLength(10);
    expect(reclaimed.every((r) => r.attempts === 2)).toBe(true);
  }, 60_000);

  it('ledger writes that stall hold the sends: at most twice the concurrency go out unrecorded', async () => {
    const prisma = t.db.prisma;
    const { incident } = await makeIncident(prisma);
    const N = 60;
    const LIMIT = 4;
    const rows = await queueRows(
      prisma,
      incident,
      Array.from({ length: N }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `w${i}@example.com` })),
    );
    const ours = new Set(rows.map((r) => r.id));
    // the outcome statement (the only one with a "late" CTE) waits until released: a starved database
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let stalled = 0;
    const stalling = new Proxy(prisma, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== '$queryRaw' || typeof v !== 'function') return v;
        return async (strings: TemplateStringsArray, ...values: unknown[]) => {
          if (strings.join('').includes('late AS (')) {
            stalled += 1;
            await released;
          }
          return (v as (s: TemplateStringsArray, ...v: unknown[]) => Promise<unknown>).call(target, strings, ...values);
        };
      },
    });
    const sent: string[] = [];
    const instant: EmailChannel = {
      async send(msg) {
        if (ours.has(msg.ledgerId)) sent.push(msg.ledgerId); // rows an earlier failed test left are not this test's
        return { status: 'SENT', providerMessageId: `<${msg.ledgerId}@x>`, detail: '250 ok', raw: null };
      },
    };
    const d = createDispatcher(makeDeps(stalling), {
      email: instant,
      sms: createNoneProvider(),
      pollMs: 50,
      concurrency: { EMAIL: LIMIT },
      maxConcurrency: { EMAIL: LIMIT }, // the transport's connections: the bounds below are in flight
    });
    cleanups.push(() => d.stop());
    d.start();
    await waitFor(async () => stalled > 0 && sent.length >= LIMIT, 10_000, 'first sends');
    await new Promise((r) => setTimeout(r, 300)); // time for more sends, were they not held
    expect(sent.length).toBeLessThanOrEqual(2 * LIMIT);
    expect(sent.length).toBeGreaterThanOrEqual(LIMIT);
    release();
    await waitFor(
      async () => (await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } })) === N,
      20_000,
      'all recorded',
    );
    await d.settle();
    expect(new Set(sent).size).toBe(N);
    expect(sent).toHaveLength(N);
  });

  it('two dispatchers at once (two processes on one database): every message exactly once', async () => {
    const prisma = t.db.prisma;
    const { incident } = await makeIncident(prisma);
    await queueRows(
      prisma,
      incident,
      Array.from({ length: 120 }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `p${i}@example.com` })),
    );
    const other =
      backend === 'postgres'
        ? await openDatabase({ kind: 'postgres', url: t.url!, poolSize: 4 }, { migrate: false })
        : t.db;
    if (other !== t.db) cleanups.push(() => other.close());
    const both = [makeDeps(prisma), makeDeps(other.prisma)].map((deps) =>
      createDispatcher(deps, {
        email: emailChannel(),
        sms: createNoneProvider(),
        // the rows are queued before the start: each lane claims again as it drains, the poll is
        // not what moves them (every 50 ms it was four statements a poll on one PGlite connection)
        pollMs: 500,
        concurrency: { EMAIL: 4 },
        maxConcurrency: { EMAIL: 4 }, // the transport's connections: the bounds below are in flight
      }),
    );
    for (const d of both) {
      cleanups.push(() => d.stop());
      d.start();
    }
    await waitFor(
      async () => (await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } })) === 120,
      // how long the test waits, not a bound it asserts: 1–3 s alone, 11 s and over 20 s in CI's
      // waiting phase (on PGlite every send's outcome and every claim share one WASM connection)
      60_000,
      'all sent',
    );
    await Promise.all(both.map((d) => d.settle()));
    const { unique, duplicated } = duplicates(sink);
    expect(unique).toBe(120);
    expect(duplicated).toEqual([]);
    expect(await prisma.notification.count({ where: { incidentId: incident.id, attempts: { not: 1 } } })).toBe(0);
  }, 150_000); // the wait above (60 s) and each dispatcher's settle (up to 30 s)

  it.skipIf(backend !== 'postgres')(
    'a child process killed with SIGKILL: nothing lost, duplicates bounded by what was in flight',
    async () => {
      const prisma = t.db.prisma;
      const N = 200;
      const CONCURRENCY = 8;
      const { incident } = await makeIncident(prisma);
      const rows = await queueRows(
        prisma,
        incident,
        Array.from({ length: N }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `c${i}@example.com` })),
      );
      sink.setBehaviour({ dataDelayMs: 15 }); // time spent "accepting": the window a kill can hit
      const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(here, 'fixtures/child-dispatcher.ts')], {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          SMTP_PORT: String(sink.port),
          LEASE_MS: '1500',
          CONCURRENCY: String(CONCURRENCY),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      cleanups.push(() => void child.kill('SIGKILL'));
      await waitFor(async () => sink.received.length >= N / 4, 30_000, 'child sending');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const atKill = sink.received.length;
      const recorded = await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } });

      const b = createDispatcher(makeDeps(prisma), {
        email: emailChannel(),
        sms: createNoneProvider(),
        pollMs: 100,
        concurrency: { EMAIL: CONCURRENCY },
        maxConcurrency: { EMAIL: CONCURRENCY }, // the transport's connections: the bounds below are in flight
      });
      cleanups.push(() => b.stop());
      b.start();
      await waitFor(
        async () => (await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } })) === N,
        30_000,
        'resumed',
      );
      await b.settle();
      const { unique, duplicated } = duplicates(sink);
      console.info(
        `[kill test] ${N} messages, SIGKILL after ${atKill} accepted (${recorded} recorded YES); after resume: ${sink.received.length} received, ${unique} unique, ${duplicated.length} duplicated`,
      );
      expect(unique).toBe(N);
      // the bound the dispatcher enforces: sends in flight (≤ CONCURRENCY) plus outcomes accepted and
      // not yet written (a lane stops sending when those reach CONCURRENCY; see the stall test above)
      expect(duplicated.length).toBeLessThanOrEqual(2 * CONCURRENCY);
      expect(sink.received.length).toBe(N + duplicated.length);
      expect(await prisma.notification.count({ where: { id: { in: rows.map((r) => r.id) }, status: 'YES' } })).toBe(N);
    },
    90_000,
  );
});
