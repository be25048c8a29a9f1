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
  h.update('wal-segsize=1');
  return h.digest('hex').slice(0, 16);
})();

export const backend: 'pglite' | 'postgres' = process.env.TEST_DB_BACKEND === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase {
  db: Database;
  /** Set for PostgreSQL: a URL other processes can use. */
  url?: string;
  drop(): Promise<void>;
}

/**
 * How every test PGlite starts. A PGlite instance starts in about 1 s of CPU, most of it spent
 * unpacking its data directory and zeroing PostgreSQL's shared memory; the defaults (128 MB of
 * shared buffers, 16 MB WAL segments) are sized for a database that lives long, not for a
 * throwaway one of a few MB. With 1 MB segments and 8 MB of buffers a test database starts in
 * about half the CPU. The same SQL, types and errors: only the cache and the WAL file size differ.
 */
const PGLITE_INITDB = ['--wal-segsize=1'];
const PGLITE_START = [
  '--single',
  '-F',
  '-O',
  '-j',
  '-c',
  'search_path=public',
  '-c',
  'exit_on_error=false',
  '-c',
  'log_checkpoints=false',
  '-c',
  'max_worker_processes=0',
  '-c',
  'max_parallel_workers=0',
  '-c',
  'max_parallel_workers_per_gather=0',
  '-c',
  'io_method=sync',
  '-c',
  'max_parallel_maintenance_workers=0',
  '-c',
  'shared_buffers=8MB',
];

/** A PGlite started with the test settings above, from a data-directory dump or afresh. */
export function startTestPglite(loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({
    startParams: PGLITE_START,
    initDbStartParams: PGLITE_INITDB,
    ...(loadDataDir ? { loadDataDir } : {}),
  });
}

/**
 * A data-directory dump kept in build/test-cache/ under `name`: the first file of a run to need
 * it makes it (`make`) and writes it atomically (aside, then renamed); the others read the file.
 */
function cachedDump(name: string, make: () => Promise<Blob>): Promise<Blob> {
  const file = path.join(root, 'build/test-cache', `pglite-${name}-${templateKey}.tar`);
  if (existsSync(file)) return Promise.resolve(new Blob([readFileSync(file)]));
  return (async () => {
    const dump = await make();
    mkdirSync(path.dirname(file), { recursive: true });
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, Buffer.from(await dump.arrayBuffer()));
    renameSync(aside, file);
    return dump;
  })();
}

/** Dumps a PGlite after a checkpoint (a database started from the dump has no WAL to replay) and closes it. */
async function dumpAndClose(pglite: PGlite): Promise<Blob> {
  await pglite.exec('CHECKPOINT');
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  return dump;
}

let empty: Promise<Blob> | undefined;
let template: Promise<Blob> | undefined;

/** A fresh PGlite with nothing in it (no migration applied), without running initdb again. */
export async function emptyPglite(): Promise<PGlite> {
  empty ??= cachedDump('empty', async () => dumpAndClose(await startTestPglite()));
  return startTestPglite(await empty);
}

/**
 * A dump of a migrated PGlite data directory; each test database is a PGlite started from it,
 * so the migrations run once per run, not once per file.
 */
function pgliteTemplate(): Promise<Blob> {
  template ??= cachedDump('migrated', async () => {
    const pglite = await emptyPglite();
    const db = await openDatabase({ kind: 'pglite', instance: pglite });
    await db.prisma.$disconnect();
    return dumpAndClose(pglite);
  });
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
  const clone = await startTestPglite(await pgliteTemplate());
  const db = await openDatabase({ kind: 'pglite', instance: clone }, { migrate: false });
  return {
    db,
    async drop() {
      await db.close();
      await clone.close();
    },
  };
}

/**
 * Makes the migrated template of the chosen backend once, before any test file starts (vitest's
 * globalSetup, test/global-setup.ts): test files then only copy it, and never race to build it.
 */
export async function prepareTemplate(): Promise<void> {
  if (backend === 'postgres') await postgresTemplate();
  else await pgliteTemplate();
}
