// Monthly partitions (docs/storage.md): the product creates this month's and the next two months'
// partitions; a row lands in its month's partition, or in the DEFAULT one when its month has none
// (an insert never fails); a month created later takes its rows out of the DEFAULT partition;
// updates and upserts through Prisma and the write path's SQL work on the partitioned tables,
// also when an update moves a row to another month.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMonthPartition,
  ensurePartitions,
  listPartitions,
  MONTHS_AHEAD,
  monthStart,
  PARTITIONED,
  partitionName,
} from '../../server/db/partitions.ts';
import type { PrismaClient } from '../../server/db/index.ts';
import { emptyBatch, writeBatch } from '../../server/monitoring/store.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { insertHourlyRollups, readHourlyRollups } from '../helpers/rollups.ts';

/** Where each row of a table is stored: key value (ISO) → partition name. */
async function placement(p: PrismaClient, table: string, column: string): Promise<Record<string, string>> {
  const rows = await p.$queryRawUnsafe<{ at: Date; part: string }[]>(
    `SELECT "${column}" AS at, tableoid::regclass::text AS part FROM "${table}" ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.at.toISOString(), r.part.replaceAll('"', '')]));
}

describe(`monthly partitions (${backend})`, () => {
  let t: TestDatabase;
  let p: PrismaClient;
  let monitorId = '';
  let notificationId = '';

  beforeAll(async () => {
    t = await createTestDatabase();
    p = t.db.prisma;
    const account = await makeCustomer(p, 'alice');
    monitorId = (await makeMonitor(p, { accountId: account.id, ports: [22, 80] })).id;
    const incident = await p.incident.create({
      data: { monitorId, accountId: account.id, host: '127.0.0.1', ports: [22], reason: 'refused' },
    });
    notificationId = (
      await p.notification.create({
        data: {
          incidentId: incident.id,
          kind: 'DOWN',
          channel: 'EMAIL',
          recipient: 'c@example.com',
          recipientRole: 'CONTACT',
        },
      })
    ).id;
  }, 120_000);
  afterAll(() => t?.drop());

  it('opening the database creates this month and the next two for every partitioned table', async () => {
    const now = new Date();
    for (const spec of PARTITIONED) {
      const names = (await listPartitions(p, spec.table)).map((x) => x.name);
      for (let i = 0; i <= MONTHS_AHEAD; i++) expect(names).toContain(partitionName(spec.table, monthStart(now, i)));
    }
    // a second pass creates nothing
    expect(await ensurePartitions(p, now)).toEqual([]);
  });

  it('rows land in their month across boundaries; months without a partition go to DEFAULT', async () => {
    expect(await ensurePartitions(p, new Date('2030-01-15T00:00:00Z'))).toEqual(
      PARTITIONED.flatMap((s) => ['2030_01', '2030_02', '2030_03'].map((m) => `${s.table}_p${m}`)),
    );
    const times = [
      '2029-12-31T23:59:59.999Z',
      '2030-01-01T00:00:00.000Z',
      '2030-01-31T23:59:59.999Z',
      '2030-02-01T00:00:00.000Z',
      '2030-03-31T23:00:00.000Z',
      '2030-04-01T00:00:00.000Z',
    ];
    const expected = (table: string) => ({
      [times[0]!]: `${table}_default`,
      [times[1]!]: `${table}_p2030_01`,
      [times[2]!]: `${table}_p2030_01`,
      [times[3]!]: `${table}_p2030_02`,
      [times[4]!]: `${table}_p2030_03`,
      [times[5]!]: `${table}_default`,
    });
    await p.failureRun.createMany({
      data: times.map((at) => ({
        monitorId,
        port: 22,
        firstAt: new Date(at),
        lastAt: new Date(at),
        count: 1,
        slots: [1],
        code: 'ECONNREFUSED',
        message: 'refused',
      })),
    });
    // the hourly rollups are stored per port and UTC day (whole days)
    const hours = times.map((at) => new Date(Math.floor(new Date(at).getTime() / 3_600_000) * 3_600_000));
    await insertHourlyRollups(
      p,
      hours.map((hour) => ({ monitorId, port: 22, hour, checks: 1 })),
    );
    for (const at of times)
      await p.notificationEvent.create({ data: { notificationId, at: new Date(at), status: 'QUEUED' } });
    expect(await placement(p, 'FailureRun', 'firstAt')).toMatchObject(expected('FailureRun'));
    expect(await placement(p, 'NotificationEvent', 'at')).toMatchObject(expected('NotificationEvent'));
    const hourly = await placement(p, 'PortDayRollup', 'day');
    expect(hourly['2029-12-31T00:00:00.000Z']).toBe('PortDayRollup_default');
    expect(hourly['2030-01-01T00:00:00.000Z']).toBe('PortDayRollup_p2030_01');
    expect(hourly['2030-03-31T00:00:00.000Z']).toBe('PortDayRollup_p2030_03');
    expect(hourly['2030-04-01T00:00:00.000Z']).toBe('PortDayRollup_default');
  });

  it("a month's partition created later takes that month's rows out of DEFAULT; nothing is lost", async () => {
    const before = await p.failureRun.findMany({ orderBy: { firstAt: 'asc' } });
    const events = await p.notificationEvent.count();
    const hourly = await readHourlyRollups(p);
    for (const spec of PARTITIONED)
      expect(await createMonthPartition(p, spec, new Date('2030-04-20T00:00:00Z'))).toBe(true);
    for (const spec of PARTITIONED)
      expect(await createMonthPartition(p, spec, new Date('2030-04-01T00:00:00Z'))).toBe(false);
    expect((await placement(p, 'FailureRun', 'firstAt'))['2030-04-01T00:00:00.000Z']).toBe('FailureRun_p2030_04');
    expect((await placement(p, 'PortDayRollup', 'day'))['2030-04-01T00:00:00.000Z']).toBe('PortDayRollup_p2030_04');
    expect((await placement(p, 'NotificationEvent', 'at'))['2030-04-01T00:00:00.000Z']).toBe(
      'NotificationEvent_p2030_04',
    );
    expect(await p.failureRun.findMany({ orderBy: { firstAt: 'asc' } })).toEqual(before);
    expect(await p.notificationEvent.count()).toBe(events);
    expect(await readHourlyRollups(p)).toEqual(hourly);
    // the moved partition has the table's indexes: the unique key still holds
    await expect(
      p.failureRun.create({
        data: {
          monitorId,
          port: 22,
          firstAt: new Date('2030-04-01T00:00:00Z'),
          lastAt: new Date('2030-04-01T00:00:00Z'),
          count: 1,
          code: 'X',
          message: 'x',
        },
      }),
    ).rejects.toThrow();
  });

  it('updates and upserts: Prisma by compound id and unique key, the write path, and a row moving months', async () => {
    const firstAt = new Date('2030-02-10T10:00:00Z');
    const created = await p.failureRun.upsert({
      where: { monitorId_port_firstAt: { monitorId, port: 80, firstAt } },
      create: { monitorId, port: 80, firstAt, lastAt: firstAt, count: 1, slots: [1], code: 'ETIMEDOUT', message: 't' },
      update: {},
    });
    const grown = await p.failureRun.upsert({
      where: { monitorId_port_firstAt: { monitorId, port: 80, firstAt } },
      create: { monitorId, port: 80, firstAt, lastAt: firstAt, count: 1, code: 'ETIMEDOUT', message: 't' },
      update: { count: 2, lastAt: new Date('2030-02-10T10:03:00Z') },
    });
    expect(grown.id).toBe(created.id);
    expect(grown.count).toBe(2);
    const byId = await p.failureRun.update({
      where: { id_firstAt: { id: created.id, firstAt } },
      data: { count: 3 },
    });
    expect(byId.count).toBe(3);
    // the runtime's own upsert (ON CONFLICT on the unique key): grows the run, never shrinks it
    const batch = emptyBatch();
    const run = {
      monitorId,
      port: 80,
      firstAt,
      lastAt: new Date('2030-02-10T10:09:00Z'),
      count: 5,
      slots: [5],
      code: 'ETIMEDOUT',
      message: 't',
      latencyMs: 5000,
      flapping: false,
      maintenance: false,
      incidentId: null,
    };
    batch.runs.set('r', run);
    await writeBatch(p, batch);
    const stale = emptyBatch();
    stale.runs.set('r', { ...run, count: 4 });
    await writeBatch(p, stale);
    expect(await p.failureRun.findUniqueOrThrow({ where: { id_firstAt: { id: created.id, firstAt } } })).toMatchObject({
      count: 5,
      lastAt: run.lastAt,
    });
    // an update of the partition key moves the row to its new month, keeping its id
    const moved = new Date('2030-03-05T00:00:00Z');
    await p.failureRun.updateMany({ where: { id: created.id }, data: { firstAt: moved } });
    expect((await placement(p, 'FailureRun', 'firstAt'))[moved.toISOString()]).toBe('FailureRun_p2030_03');
    expect((await p.failureRun.findMany({ where: { id: created.id } })).map((r) => r.firstAt)).toEqual([moved]);
    // rollups: the flush's additive upsert on the primary key
    const hour = new Date('2030-02-10T10:00:00Z');
    for (let i = 0; i < 2; i++) await insertHourlyRollups(p, [{ monitorId, port: 80, hour, checks: 1 }]);
    expect(
      (await readHourlyRollups(p, monitorId)).find((r) => r.port === 80 && r.hour.getTime() === hour.getTime())?.checks,
    ).toBe(2);
    // the ledger's timeline: ids from the sequence, one per row, read back by notification
    const a = await p.notificationEvent.create({ data: { notificationId, status: 'SENDING' } });
    const b = await p.notificationEvent.create({ data: { notificationId, status: 'YES' } });
    expect(b.id).toBeGreaterThan(a.id);
    const timeline = await p.notification.findUniqueOrThrow({
      where: { id: notificationId },
      include: { events: { orderBy: { id: 'asc' } } },
    });
    expect(timeline.events.at(-1)?.status).toBe('YES');
    // a deleted monitor takes its rows along (foreign keys on the partitioned tables cascade)
    await p.monitor.delete({ where: { id: monitorId } });
    expect(await p.failureRun.count()).toBe(0);
    expect(await p.portDayRollup.count()).toBe(0);
  });
});
