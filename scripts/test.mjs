// `npm test`: the whole suite on PGlite; then, when TEST_DATABASE_URL is set, every database
// suite (files named *.db.test.ts) again on real PostgreSQL, each file in its own database.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules/.bin/vitest');
const extra = process.argv.slice(2);

function run(label, args, env) {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(vitest, ['run', ...args, ...extra], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

const pglite = run('all suites on PGlite (embedded)', [], { TEST_DB_BACKEND: 'pglite' });
let postgres = 0;
if (process.env.TEST_DATABASE_URL) {
  postgres = run(`database suites on PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`, ['.db.test.ts'], { TEST_DB_BACKEND: 'postgres' });
} else {
  console.log('\n(TEST_DATABASE_URL is not set: the PostgreSQL run of the database suites was skipped)');
}
console.log(`\nPGlite run: ${pglite === 0 ? 'passed' : 'FAILED'}${process.env.TEST_DATABASE_URL ? `; PostgreSQL run: ${postgres === 0 ? 'passed' : 'FAILED'}` : ''}`);
process.exit(pglite || postgres);
