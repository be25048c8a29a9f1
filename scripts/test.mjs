// `npm test`: the whole suite on PGlite; then, when TEST_DATABASE_URL is set, the database
// suites (files named *.db.test.ts) again on real PostgreSQL, each file in its own database,
// except the few that cannot depend on the backend (BACKEND_NEUTRAL in vitest.config.ts).
// It ends with one plain line over both runs, alone on its line:
//   tests: N passed, N failed, N skipped
// counted from vitest's JSON report of each run (a run that crashed before reporting counts
// as one failure, so the line never claims a clean run that did not happen).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules/.bin/vitest');
const extra = process.argv.slice(2);
const reportDir = path.join(root, 'build', 'test-reports');
mkdirSync(reportDir, { recursive: true });

// Without a terminal (CI) the output is plain text: vitest colours its output whenever CI is
// set, and escape codes inside its summary lines only get in a reader's way.
const plain = process.stdout.isTTY ? {} : { NO_COLOR: '1' };

function run(label, name, args, env) {
  console.log(`\n=== ${label} ===`);
  const report = path.join(reportDir, `${name}.json`);
  rmSync(report, { force: true });
  const r = spawnSync(
    vitest,
    ['run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...plain, ...env } },
  );
  const status = r.status ?? 1;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    counts.passed = j.numPassedTests ?? 0;
    counts.failed = j.numFailedTests ?? 0;
    counts.skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    // a file that failed to load has no tests to count: count it as a failure
    for (const f of j.testResults ?? [])
      if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) counts.failed++;
  }
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  return { status, counts };
}

const runs = [run('all suites on PGlite (embedded)', 'pglite', [], { TEST_DB_BACKEND: 'pglite' })];
if (process.env.TEST_DATABASE_URL) {
  runs.push(
    run(`database suites on PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`, 'postgres', ['.db.test.ts'], {
      TEST_DB_BACKEND: 'postgres',
      // the suites that cannot depend on the backend ran on PGlite (vitest.config.ts, BACKEND_NEUTRAL)
      TEST_SKIP_BACKEND_NEUTRAL: '1',
    }),
  );
} else {
  console.log('\n(TEST_DATABASE_URL is not set: the PostgreSQL run of the database suites was skipped)');
}
const total = { passed: 0, failed: 0, skipped: 0 };
for (const { counts } of runs) for (const k of Object.keys(total)) total[k] += counts[k];
console.log(
  `\nPGlite run: ${runs[0].status === 0 ? 'passed' : 'FAILED'}${runs[1] ? `; PostgreSQL run: ${runs[1].status === 0 ? 'passed' : 'FAILED'}` : ''}`,
);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exit(runs.some((r) => r.status !== 0) ? 1 : 0);
