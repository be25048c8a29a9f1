// A monitor written in a transaction that commits late (a bulk import, a loaded database) is
// stamped when its row is written but seen only at the commit. The probe's resync asks for rows
// changed since its previous look; before, that window moved on every 10 s regardless, so a row
// committed more than 2 s after its stamp was never loaded (until a restart). Now the window
// never passes the start of a write still open. PostgreSQL only: PGlite runs one transaction at
// a time on its one connection, so a resync waits for the commit there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../server/db/index.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { until } from '../helpers/poll.ts';

describe.skipIf(backend !== 'postgres')('resync after a late commit (postgres)', () => {
  let app: TestApp;
  let probe: ProbeRuntime | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await probe?.stop();
    await app?.close();
  });

  /** A probe runtime on the app's database, resyncing every `resyncMs`, started. */
  async function startProbe(resyncMs: number): Promise<ProbeRuntime> {
    const { services } = app;
    const runtime = createProbeRuntime({
      prisma: app.db.prisma,
      events: services.events,
      signals: services.signals,
      resyncMs,
    });
    await runtime.start();
    return runtime;
  }

  /** Writes a monitor in a transaction held open until the returned commit() (which awaits it). */
  async function openWrite(p: PrismaClient, accountId: string, ip: string) {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let id = '';
    const tx = p.$transaction(
      async (t) => {
        id = (await makeMonitor(t as unknown as PrismaClient, { accountId, ip, ports: [9] })).id;
        await held;
      },
      { timeout: 30_000 },
    );
    await until('the row written', () => id !== '', 10_000, 20);
    return {
      id,
      commit: async () => {
        release();
        await tx;
      },
    };
  }

  it('loads a monitor whose transaction committed long after its row was stamped', async () => {
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'late-commit');
    probe = await startProbe(200);
    const w = await openWrite(p, owner.id, '127.0.0.2');
    // many resyncs pass, long past the 2 s overlap, before it commits
    await new Promise((r) => setTimeout(r, 3_500));
    expect(probe.status(w.id)).toBeNull();
    await w.commit();
    await until('the monitor loaded by a resync', () => probe!.status(w.id) !== null, 5_000, 50);
    await probe.stop();
    probe = undefined;
  });

  it('and one still open while the probe starts and loads its shards', async () => {
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'late-commit-start');
    const w = await openWrite(p, owner.id, '127.0.0.3');
    await new Promise((r) => setTimeout(r, 2_500)); // stamped over 2 s before the start
    probe = await startProbe(2_000);
    expect(probe.status(w.id)).toBeNull(); // the load did not see it
    await w.commit();
    await until('the monitor loaded by the first resync', () => probe!.status(w.id) !== null, 6_000, 50);
  });
});
