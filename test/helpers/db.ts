// A fresh database per test file (or per test): PGlite by default; real PostgreSQL when
// TEST_DB_BACKEND=postgres (needs TEST_DATABASE_URL), in a database created here and dropped after.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/index.ts';

export const backend: 'pglite' | 'postgres' = process.env.TEST_DB_BACKEND === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase {
  db: Database;
  /** Set for PostgreSQL: a URL other processes can use. */
  url?: string;
  drop(): Promise<void>;
}

let template: Promise<PGlite> | undefined;

/** A migrated in-memory PGlite, built once per test file; each test database is a clone. */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const pglite = await PGlite.create();
    const db = await openDatabase({ kind: 'pglite', instance: pglite });
    await db.prisma.$disconnect();
    return pglite;
  })();
  return template;
}

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DB_BACKEND=postgres needs TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)');
  return url;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `portwatch_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (backend === 'postgres') {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 5 });
    return {
      db,
      url: created.url,
      async drop() {
        await db.close();
        await created.drop();
      },
    };
  }
  const clone = (await (await pgliteTemplate()).clone()) as PGlite;
  const db = await openDatabase({ kind: 'pglite', instance: clone }, { migrate: false });
  return {
    db,
    async drop() {
      await db.close();
      await clone.close();
    },
  };
}
