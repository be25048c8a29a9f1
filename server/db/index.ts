// Opens the database: PGlite in a data folder when no DATABASE_URL is given, PostgreSQL
// otherwise; applies migrations; returns a Prisma client and a way to close cleanly.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrate.ts';
import { ensurePartitions } from './partitions.ts';

export type { PrismaClient } from '../generated/prisma/client.ts';

export interface Database {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** Migration names applied by this open (empty when the database was up to date). */
  applied: string[];
  /** Throws when the database does not answer within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite'; instance: PGlite }; // an already open PGlite (tests: a migrated clone)

export async function openDatabase(target: DatabaseTarget, opts: { migrate?: boolean } = {}): Promise<Database> {
  let factory: SqlMigrationAwareDriverAdapterFactory;
  let pglite: PGlite | undefined;
  let ownsPglite = false;
  if (target.kind === 'postgres') {
    factory = new PrismaPg({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
  } else {
    if ('instance' in target) {
      pglite = target.instance;
    } else {
      await mkdir(target.dataDir, { recursive: true });
      pglite = await PGlite.create(target.dataDir);
      ownsPglite = true;
    }
    factory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
  }
  let applied: string[] = [];
  try {
    if (opts.migrate !== false) applied = await applyMigrations(factory);
  } catch (err) {
    if (ownsPglite) await pglite?.close().catch(() => {});
    throw err;
  }
  const prisma = new PrismaClient({ adapter: factory });
  if (opts.migrate !== false) {
    // this month's and the next two months' partitions (docs/storage.md); the retention job keeps them ahead
    try {
      await ensurePartitions(prisma, new Date());
    } catch (err) {
      await prisma.$disconnect().catch(() => {});
      if (ownsPglite) await pglite?.close().catch(() => {});
      throw err;
    }
  }
  let closed = false;
  return {
    prisma,
    kind: target.kind,
    applied,
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([prisma.$queryRaw`SELECT 1`, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => {});
      if (ownsPglite) await pglite?.close();
    },
  };
}
