// `bench:probe --import M`, the importing process (scripts/bench-probe-import.ts forks it): adds M
// monitored servers to the bench's customer as an administrator does, through the product's own
// services, in a process of its own (an API process beside the probe: its monitorChanged signals
// do not reach the probe, which finds the new monitors by its resync, as with an import made
// on another node).
// - servers: importServers (the admin's paste-a-list import; one createMany per call, 5,000
//   lines at most per call);
// - monitors, --import-via service: registerMonitor per server (the product has no bulk monitor
//   registration: one transaction per monitor with its audit row), `IMPORT_CONCURRENCY` at once;
// - monitors, --import-via sql: the same rows and audit rows as registerMonitor writes, 5,000 per
//   statement and transaction (what a bulk registration would do): the resyncs find them in a
//   few large sets. Short transactions on purpose: the resync asks for rows whose updatedAt is at
//   most 2 s older than its previous look, so a row stamped in a transaction that commits later
//   than that is never seen by a resync (one 100,000-row transaction was: issue-15 notes).
// Inventory addresses are placeholders (10.64.0.0 on); the bench's probe connects to loopback.
import { openDatabase } from '../server/db/index.ts';
import { createEvents } from '../server/events/events.ts';
import { createSignals } from '../server/events/signals.ts';
import { importServers } from '../server/services/inventory.ts';
import { registerMonitor } from '../server/services/monitors.ts';
import type { ServiceDeps, Viewer } from '../server/services/types.ts';

export interface ImportJob {
  url: string;
  accountId: string;
  count: number;
  via: 'service' | 'sql';
  intervalS: number;
  /** The monitored port of every imported server. */
  port: number;
}
export type FromImport =
  | { type: 'servers'; ms: number }
  | { type: 'progress'; monitors: number }
  | { type: 'done'; serversMs: number; monitorsMs: number }
  | { type: 'error'; message: string };

const IMPORT_CONCURRENCY = 16;
const send = (m: FromImport) => process.send?.(m);

async function run(job: ImportJob): Promise<void> {
  const db = await openDatabase({ kind: 'postgres', url: job.url, poolSize: IMPORT_CONCURRENCY });
  const p = db.prisma;
  const admin = await p.account.create({
    data: {
      loginId: 'bench-import-admin',
      name: 'admin',
      email: 'admin@example.com',
      passwordHash: 'x',
      role: 'ADMIN',
    },
  });
  const viewer: Viewer = {
    accountId: admin.id,
    loginId: admin.loginId,
    role: 'ADMIN',
    kind: null,
    language: 'ko',
    via: 'session',
  };
  const deps: ServiceDeps = {
    prisma: p,
    events: createEvents(),
    signals: createSignals(),
    now: () => new Date(),
    secret: 'bench',
    publicUrl: 'http://localhost',
  };
  const t0 = Date.now();
  const ipOf = (j: number) => `10.${64 + ((j >> 16) & 63)}.${(j >> 8) & 255}.${j & 255}`;
  for (let i = 0; i < job.count; i += 5_000) {
    const n = Math.min(job.count, i + 5_000) - i;
    const text = Array.from({ length: n }, (_, k) => `${ipOf(i + k)} imported-${i + k}`).join('\n');
    // its transaction has Prisma's default 5 s: on a loaded machine it may expire; the retry
    // finds the lines already added UNCHANGED (as an admin pasting the list again would)
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await importServers(deps, viewer, { accountId: job.accountId, text, allowPrivate: true });
        const there = r.lines.filter((l) => l.status === 'CREATED' || l.status === 'UNCHANGED').length;
        if (there !== n) throw new Error(`importServers: ${there} of ${n} lines added`);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        process.stderr.write(
          `  import: importServers failed (attempt ${attempt}), again: ${String(err).slice(0, 200)}\n`,
        );
      }
    }
  }
  const serversMs = Date.now() - t0;
  send({ type: 'servers', ms: serversMs });
  const t1 = Date.now();
  const policy = { intervalSec: job.intervalS, retryIntervalSec: Math.min(30, job.intervalS), timeoutMs: 5000 };
  if (job.via === 'service') {
    const servers = await p.$queryRaw<{ id: string }[]>`
      SELECT s."id" FROM "Server" s WHERE s."accountId" = ${job.accountId}
        AND NOT EXISTS (SELECT 1 FROM "Monitor" m WHERE m."serverId" = s."id") ORDER BY s."ip"`;
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: IMPORT_CONCURRENCY }, async () => {
        while (next < servers.length) {
          const serverId = servers[next++]!.id;
          await registerMonitor(deps, viewer, {
            serverId,
            ports: [job.port],
            contactName: 'c',
            contactEmail: 'c@example.com',
            mailEnabled: false,
            smsEnabled: false,
            ...policy,
          });
          if (++done % 5_000 === 0) send({ type: 'progress', monitors: done });
        }
      }),
    );
  } else {
    for (let left = job.count; left > 0; left -= 5_000) {
      await p.$executeRaw`
          WITH created AS (
            INSERT INTO "Monitor" ("id","createdAt","updatedAt","accountId","serverId","activeServerId","host","ports",
              "contactName","contactEmail","contactPhone","mailEnabled","smsEnabled","intervalSec","retryIntervalSec","timeoutMs")
            SELECT gen_random_uuid()::text, now(), now(), s."accountId", s."id", s."id", s."ip", ARRAY[${job.port}::int],
              'c', 'c@example.com', NULL, false, false, ${policy.intervalSec}, ${policy.retryIntervalSec}, ${policy.timeoutMs}
            FROM "Server" s WHERE s."accountId" = ${job.accountId}
              AND NOT EXISTS (SELECT 1 FROM "Monitor" m WHERE m."serverId" = s."id")
            ORDER BY s."ip" LIMIT 5000
            RETURNING "id", "host", "ports")
          INSERT INTO "AuditLog" ("actorId","action","targetType","targetId","detail")
          SELECT ${admin.id}, 'monitor.register', 'Monitor', "id", jsonb_build_object('host', "host", 'ports', to_jsonb("ports"))
          FROM created`;
      send({ type: 'progress', monitors: job.count - left + Math.min(left, 5_000) });
    }
  }
  send({ type: 'done', serversMs, monitorsMs: Date.now() - t1 });
  await db.close();
}

process.once('message', (job: ImportJob) => {
  run(job)
    .catch((err: unknown) =>
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    )
    .finally(() => process.disconnect());
});
