// For the tests of one data migration: a PGlite brought to the state just before that migration
// (the migrations' SQL applied in order), with one account, server and monitor (ports 22 and 80)
// for the old rows to belong to.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

const dir = path.join(import.meta.dirname, '../../prisma/migrations');

/**
 * Applies every migration before the one named `*_<name>`. `at` is that one's place in the list;
 * `apply` runs it, `applyRest` the ones after it.
 */
export async function migrateUpTo(
  db: PGlite,
  name: string,
): Promise<{ at: number; apply(): Promise<void>; applyRest(): Promise<void> }> {
  const names = (await readdir(dir)).filter((n) => /^\d+_/.test(n)).sort();
  const at = names.findIndex((n) => n.endsWith(`_${name}`));
  const run = async (list: string[]) => {
    for (const n of list) await db.exec(await readFile(path.join(dir, n, 'migration.sql'), 'utf8'));
  };
  await run(names.slice(0, Math.max(at, 0)));
  return { at, apply: () => run(names.slice(at, at + 1)), applyRest: () => run(names.slice(at + 1)) };
}

/** Account 'a', server 's' (10.0.0.1) and monitor 'm' on ports 22 and 80. */
export async function insertOneMonitor(db: PGlite): Promise<void> {
  await db.exec(`
    INSERT INTO "Account" ("id","loginId","name","email","passwordHash","kind","language","updatedAt") VALUES ('a','alice','Alice','a@example.com','x','HOSTING','en',now());
    INSERT INTO "Server" ("id","ip","accountId","source") VALUES ('s','10.0.0.1','a','HOSTING_INVENTORY');
    INSERT INTO "Monitor" ("id","accountId","serverId","activeServerId","host","ports","contactName","contactEmail","updatedAt")
      VALUES ('m','a','s','s','10.0.0.1','{22,80}','C','c@example.com',now());`);
}
