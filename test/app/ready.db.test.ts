import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/index.ts';
import { startRuntime, type Runtime } from '../../server/main.ts';
import { backend, createPostgresDatabase, createTestDatabase } from '../helpers/db.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

describe(`/ready (${backend})`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('is 200 while the database answers and 503 with a JSON reason when it does not', async () => {
    let makeUnreachable: () => Promise<void>;
    let runtime: Runtime;
    const config = loadConfig({
      PORT: '0',
      LOG_LEVEL: 'error',
      PROBE_ENABLED: 'false',
      ADMIN_LOGIN: 'root',
      ADMIN_PASSWORD: 'root-password',
    });
    if (backend === 'postgres') {
      // the app reaches PostgreSQL through a proxy that the test then cuts
      const created = await createPostgresDatabase();
      cleanups.push(created.drop);
      const pgUrl = new URL(created.url);
      const proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
      cleanups.push(proxy.close);
      pgUrl.host = `127.0.0.1:${proxy.port}`;
      const db = await openDatabase({ kind: 'postgres', url: pgUrl.toString(), poolSize: 2 });
      cleanups.push(() => db.close());
      runtime = await startRuntime(config, { db, log: () => {} });
      makeUnreachable = async () => proxy.cutOff();
    } else {
      // closing the embedded PGlite instance under the app is its "database gone"
      const t = await createTestDatabase();
      runtime = await startRuntime(config, { db: t.db, log: () => {} });
      makeUnreachable = () => t.drop();
    }
    cleanups.push(() => runtime.stop());

    const ok = await fetch(`${runtime.url}/ready`);
    expect(ok.status).toBe(200);
    await makeUnreachable();
    const down = await fetch(`${runtime.url}/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { ok: boolean; checks: { database: { ok: boolean; detail: string } } };
    expect(body.ok).toBe(false);
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.database.detail.length).toBeGreaterThan(0);
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
  }, 30_000);
});
