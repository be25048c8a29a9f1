// `npm test`: the whole suite on PGlite; then, when TEST_DATABASE_URL is set, the database
// suites (files named *.db.test.ts) again on real PostgreSQL, each file in its own database,
// except the few that cannot depend on the backend (BACKEND_NEUTRAL in vitest.config.ts).
// It ends with the totals over both runs as TAP comments (# tests, # pass, # fail, # skipped) and
// then one plain line, alone on its line, the last of the output:
//   tests: N passed, N failed, N skipped
// counted from vitest's JSON report of each run (a run that crashed before reporting counts
// as one failure, so the line never claims a clean run that did not happen).
//
// TEST_PASSES chooses how the two backends share the machine:
// - `sequential`: the PGlite run, then the PostgreSQL run (each: the `parallel` group, the
//   `waiting` group, then the `alone` group, vitest.config.ts);
// - `overlap` (the default when PostgreSQL is there): the two backends side by side, group by
//   group: both `parallel` groups at once, then both `waiting` groups, then both `alone` groups.
//   The PGlite run prints as it goes; the PostgreSQL run's output follows it.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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

const PGLITE = { label: 'PGlite (embedded)', name: 'pglite', args: [], env: { TEST_DB_BACKEND: 'pglite' } };
const POSTGRES = process.env.TEST_DATABASE_URL
  ? {
      label: `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`,
      name: 'postgres',
      args: ['.db.test.ts'],
      env: {
        TEST_DB_BACKEND: 'postgres',
        // the suites that cannot depend on the backend ran on PGlite (vitest.config.ts, BACKEND_NEUTRAL)
        TEST_SKIP_BACKEND_NEUTRAL: '1',
      },
    }
  : null;
const mode = process.env.TEST_PASSES ?? 'overlap';
if (mode !== 'overlap' && mode !== 'sequential') {
  console.error(`TEST_PASSES must be "overlap" or "sequential", not "${mode}"`);
  process.exit(2);
}

/** Counts of one vitest run, from its JSON report; a run without one counts as a failure. */
function counts(report, status) {
  const c = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    c.passed = j.numPassedTests ?? 0;
    c.failed = j.numFailedTests ?? 0;
    c.skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    // a file that failed to load has no tests to count: count it as a failure
    for (const f of j.testResults ?? [])
      if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) c.failed++;
  }
  if (status !== 0 && c.failed === 0) c.failed = 1;
  return c;
}

/**
 * One vitest run of a backend (all groups, or one `project`). Its output goes to the terminal,
 * or into `log` (a file, printed later by the caller) when given.
 */
function run(backend, project, log, env = {}) {
  const name = project ? `${backend.name}-${project}` : backend.name;
  const report = path.join(reportDir, `${name}.json`);
  rmSync(report, { force: true });
  // a group may have no file matching a filter given to `npm test --`: that is no failure
  const args = ['run', ...backend.args, ...(project ? [`--project=${project}`, '--passWithNoTests'] : [])];
  args.push('--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra);
  const started = Date.now();
  return new Promise((resolve) => {
    const out = log ? createWriteStream(log) : null;
    const child = spawn(vitest, args, {
      cwd: root,
      stdio: out ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, ...plain, ...backend.env, ...env },
    });
    if (out) {
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
    }
    child.on('close', (code) => {
      const status = code ?? 1;
      const seconds = Math.round((Date.now() - started) / 1000);
      const done = () => resolve({ backend, status, counts: counts(report, status), seconds, log });
      if (out) out.end(done);
      else done();
    });
  });
}

function printLog(r) {
  if (r.log && existsSync(r.log)) process.stdout.write(readFileSync(r.log, 'utf8'));
}

const runs = [];
if (!POSTGRES || mode === 'sequential') {
  for (const backend of [PGLITE, POSTGRES]) {
    if (!backend) continue;
    console.log(`\n=== ${backend === PGLITE ? 'all suites' : 'database suites'} on ${backend.label} ===`);
    const r = await run(backend);
    console.log(`\n(${backend.label}: ${r.seconds} s)`);
    runs.push(r);
  }
} else {
  for (const group of ['parallel', 'waiting', 'alone']) {
    console.log(
      `\n=== ${group} group: all suites on ${PGLITE.label}, database suites on ${POSTGRES.label} alongside ===`,
    );
    const log = path.join(reportDir, `${POSTGRES.name}-${group}.log`);
    // PGlite keeps its three parallel files at a time; the PostgreSQL run beside it gets two
    // (its 33 parallel files are done long before PGlite's 80)
    const beside = { TEST_PARALLEL_WORKERS: process.env.TEST_PARALLEL_WORKERS ?? '2' };
    const pair = await Promise.all([run(PGLITE, group), run(POSTGRES, group, log, beside)]);
    console.log(`\n=== ${group} group on ${POSTGRES.label} (ran alongside) ===`);
    printLog(pair[1]);
    console.log(`\n(${group} group: PGlite ${pair[0].seconds} s, PostgreSQL ${pair[1].seconds} s, side by side)`);
    runs.push(...pair);
  }
}
if (!POSTGRES) console.log('\n(TEST_DATABASE_URL is not set: the PostgreSQL run of the database suites was skipped)');

const total = { passed: 0, failed: 0, skipped: 0 };
for (const r of runs) for (const k of Object.keys(total)) total[k] += r.counts[k];
const verdict = (b) => {
  const mine = runs.filter((r) => r.backend === b);
  return mine.length === 0 ? null : mine.every((r) => r.status === 0) ? 'passed' : 'FAILED';
};
const pg = POSTGRES && verdict(POSTGRES);
console.log(`\nPGlite run: ${verdict(PGLITE)}${pg ? `; PostgreSQL run: ${pg}` : ''}`);
// the totals as TAP comments too (what node's test runner closes with), then the plain line, last
console.log(
  `# tests ${total.passed + total.failed + total.skipped}\n# pass ${total.passed}\n# fail ${total.failed}\n# skipped ${total.skipped}`,
);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exit(runs.some((r) => r.status !== 0) ? 1 : 0);
