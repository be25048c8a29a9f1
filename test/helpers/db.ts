// A fresh database per test file (or per test): PGlite by default; real PostgreSQL when
// TEST_DB_BACKEND=postgres (needs TEST_DATABASE_URL), in a database created here and dropped after.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What a migrated database depends on: every migration's name and SQL, and the PGlite version.
 * A migrated template is made once per key and reused by every test file (migrating costs
 * seconds of CPU; copying a template a fraction of that); a changed migration makes a new key.
 */
const templateKey: string = (() => {
  const h = createHash('sha256');
  const dir = path.join(root, 'prisma/migrations');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql');
    if (!existsSync(file)) continue;
    h.update(name).update(readFileSync(file));
  }
  h.update(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json')));
  return h.digest('hex').slice(0, 16);
})();

export const backend: 'pglite' | 'postgres' = process.env.TEST_DB_BACKEND === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase {
  db: Database;
  /** Set for PostgreSQL: a URL other processes can use. */
  url?: string;
  drop(): Promise<void>;
}

let template: Promise<PGlite> | undefined;

/**
 * A migrated in-memory PGlite, opened once per test file; each test database is a clone. It is
 * loaded from a data-directory dump in build/test-cache/ that the first file to need it writes
 * (atomically: written aside, then renamed), so the migrations run once per run, not per file.
 */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const dir = path.join(root, 'build/test-cache');
    const file = path.join(dir, `pglite-${templateKey}.tar`);
    if (existsSync(file)) {
      try {
        return await PGlite.create({ loadDataDir: new Blob([readFileSync(file)]) });
      } catch {
        // an unreadable dump: migrate afresh below and write it again
      }
    }
    const pglite = await PGlite.create();
    const db = await openDatabase({ kind: 'pglite', instance: pglite });
    await db.prisma.$disconnect();
    const dump = await pglite.dumpDataDir('none');
    mkdirSync(dir, { recursive: true });
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, Buffer.from(await dump.arrayBuffer()));
    renameSync(aside, file);
    return pglite;
  })();
  return template;
}

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'TEST_DB_BACKEND=postgres needs TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)',
    );
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

function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

let postgresTemplateName: Promise<string> | undefined;

/**
 * A migrated PostgreSQL database to copy test databases from (`CREATE DATABASE … TEMPLATE`),
 * made once per key by whichever test file needs it first (an advisory lock keeps concurrent
 * files from building it twice; it is built under another name and renamed when complete).
 */
function postgresTemplate(): Promise<string> {
  postgresTemplateName ??= (async () => {
    const name = `portwatch_tpl_${templateKey}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        const building = `${name}_${randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE DATABASE ${building}`);
        const db = await openDatabase({ kind: 'postgres', url: databaseUrl(building), poolSize: 1 });
        await db.close();
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      }
    } finally {
      await admin.end();
    }
    return name;
  })();
  return postgresTemplateName;
}

/** A PostgreSQL database copied from the migrated template; dropped by `drop()`. */
async function createMigratedPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const tpl = await postgresTemplate();
  const name = `portwatch_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // another session copying the same template at this instant makes PostgreSQL refuse with
    // "source database is being accessed by other users": wait and try again
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${tpl}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
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
    const created = await createMigratedPostgresDatabase();
    const db = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 5 }, { migrate: false });
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
