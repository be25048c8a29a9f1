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

  it('loads a monitor whose transaction committed long after its row was stamped', async () => {
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'late-commit');
    probe = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 200,
    });
    await probe.start();
    let commit!: () => void;
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let id = '';
    const tx = p.$transaction(
      async (t) => {
        id = (await makeMonitor(t as unknown as PrismaClient, { accountId: owner.id, ports: [9] })).id;
        await committed;
      },
      { timeout: 30_000 },
    );
    // the row is written and stamped; many resyncs pass, long past the 2 s overlap, before it commits
    await until('the row written', () => id !== '', 10_000, 20);
    const stampedAt = Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, stampedAt + 3_500 - Date.now()))); // ~17 resyncs
    expect(probe.status(id)).toBeNull();
    commit();
    await tx;
    await until('the monitor loaded by a resync', () => probe!.status(id) !== null, 5_000, 50);
  });
});
