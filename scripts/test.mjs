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
// - `sequential`: the PGlite run, then the PostgreSQL run (each: the groups of vitest.config.ts
//   in order: `parallel`, `waiting`, `browser`, `abuse`, `alone`);
// - `overlap` (the default when PostgreSQL is there, and CI's): the two backends side by side,
//   phase by phase: both `parallel` groups; both `waiting` groups with PGlite's `abuse` run
//   beside them; PGlite's `browser` group with PostgreSQL's `abuse` run beside it; PGlite's
//   `alone` group (the probe's timing) by itself. The first run of a phase prints as it goes;
//   the others' output follows it.
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

/** Where a run that does not print as it goes writes its output. */
function logOf(backend, group) {
  return path.join(reportDir, `${backend.name}-${group}.log`);
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
  // side by side, phase by phase (the groups of vitest.config.ts); within a phase every run
  // starts at once. The waiting groups (their CPU mostly idle) get one busy neighbour, PGlite's
  // abuse run (one core); not the browser suites (beside them, with other load on the machine,
  // restarts and lease takeovers timed out on 2 cores). PostgreSQL's abuse run goes beside the
  // browser suites; the probe's timing suites (`alone`) run last, by themselves.
  const phases = [
    { groups: ['parallel'], pglite: ['parallel'], postgres: ['parallel'] },
    { groups: ['waiting', 'abuse'], pglite: ['waiting', 'abuse'], postgres: ['waiting'] },
    { groups: ['browser', 'abuse'], pglite: ['browser'], postgres: ['abuse'] },
    { groups: ['alone'], pglite: ['alone'], postgres: [] },
  ];
  for (const phase of phases) {
    const label = phase.groups.join(' + ');
    console.log(`\n=== ${label}: ${PGLITE.label}, with ${POSTGRES.label} alongside ===`);
    const started = Date.now();
    // PGlite's first group prints as it goes; every other run's output follows, in order
    // PGlite keeps its three parallel files at a time; the PostgreSQL run beside it gets two.
    // PostgreSQL's waiting files wait longest (continuity, lease takeover): three at a time.
    const beside = {
      TEST_PARALLEL_WORKERS: process.env.TEST_PARALLEL_WORKERS ?? '2',
      TEST_WAITING_WORKERS: process.env.TEST_WAITING_WORKERS ?? '3',
    };
    const jobs = [
      ...phase.pglite.map((g, i) => ({ backend: PGLITE, group: g, log: i === 0 ? undefined : logOf(PGLITE, g) })),
      ...phase.postgres.map((g) => ({ backend: POSTGRES, group: g, log: logOf(POSTGRES, g), env: beside })),
    ];
    const results = await Promise.all(jobs.map((j) => run(j.backend, j.group, j.log, j.env)));
    for (const [i, r] of results.entries()) {
      if (!jobs[i].log) continue;
      console.log(`\n=== ${jobs[i].group} group on ${jobs[i].backend.label} (ran alongside) ===`);
      printLog(r);
    }
    const times = results.map(
      (r, i) => `${jobs[i].backend === PGLITE ? 'PGlite' : 'PostgreSQL'} ${jobs[i].group} ${r.seconds} s`,
    );
    console.log(`\n(${label}: ${Math.round((Date.now() - started) / 1000)} s; ${times.join(', ')})`);
    runs.push(...results);
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
