// Prisma's own migration engine (WASM), driven through a driver adapter: no native binary,
// no download. The recipe: load @prisma/schema-engine-wasm's .wasm by hand (loadWasm), hand it
// the app's driver adapter (PGlite or pg), and let it apply prisma/migrations/ in order.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const schemaPath = path.join(root, 'prisma/schema.prisma');
export const migrationsDir = path.join(root, 'prisma/migrations');

let loaded: Promise<typeof bg> | undefined;

function loadWasm(): Promise<typeof bg> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgFile = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(bgFile), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start: () => void };
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return bg;
  })();
  return loaded;
}

type Disposable = { dispose(): Promise<void> };

type ScriptRunner = {
  adapterName?: string;
  executeScript?: (script: string) => Promise<void>;
  underlyingDriver?: () => unknown;
  onError?: (error: unknown) => never;
};

/**
 * @prisma/adapter-pg runs a migration script by splitting it at every ";", which breaks
 * function bodies (PL/pgSQL triggers in $$ … $$). PostgreSQL's simple query protocol takes the
 * whole script at once (one implicit transaction), as `psql -f` would; PGlite already does.
 */
function wholeScripts<T extends object>(adapter: T): T {
  const a = adapter as T & ScriptRunner;
  const driver = a.underlyingDriver?.() as { query?: (sql: string) => Promise<unknown> } | undefined;
  if (
    a.adapterName === '@prisma/adapter-pg' &&
    typeof a.executeScript === 'function' &&
    typeof driver?.query === 'function'
  ) {
    const query = driver.query.bind(driver);
    a.executeScript = async (script: string) => {
      try {
        await query(script);
      } catch (error) {
        a.onError?.(error);
        throw error;
      }
    };
  }
  return adapter;
}

/**
 * Runs `fn` with a schema engine bound to `factory`; disposes every adapter the engine
 * opened (engine.free() does not).
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  fn: (engine: SchemaEngine) => Promise<T>,
  log: (line: string) => void = () => {},
): Promise<T> {
  const wasm = await loadWasm();
  const opened: Disposable[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const a = wholeScripts(await factory.connect());
      opened.push(a);
      return a;
    },
    async connectToShadowDb() {
      const a = wholeScripts(await factory.connectToShadowDb());
      opened.push(a);
      return a;
    },
  };
  const schemaText = await readFile(schemaPath, 'utf8');
  const engine = await wasm.SchemaEngine.new(
    { datamodels: [[schemaPath, schemaText]] },
    (line: string) => log(line),
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
    for (const a of opened) await a.dispose().catch(() => {});
  }
}

/** The migrations folder as the engine wants it (what `prisma migrate deploy` reads). */
export async function readMigrationsList(): Promise<MigrationList> {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const lock = await readFile(lockPath, 'utf8').catch(() => 'provider = "postgresql"\n');
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = [];
  for (const name of dirs) {
    const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
    migrationDirectories.push({
      path: name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } },
    });
  }
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };
