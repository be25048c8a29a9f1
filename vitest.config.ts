import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Files that run alone, one at a time, after the others: their assertions measure latency
// under load that they create themselves or that a busy neighbour would distort (probe
// lateness of a thousand targets, raw connect rates).
const ALONE = ['test/probe/{timing,scheduler-runtime,raw-connect}.test.ts'];

// The browser suites (Debian's Chromium): the CPU-heaviest files, two at a time. They assert
// what the screens show, not how fast.
const BROWSER = ['test/e2e/**/*.test.ts'];

// The abuse run: 3,000 generated operations on each backend (other seeds on each) against one server, one core
// busy for a minute or two; it asserts answers, not timing.
const ABUSE = ['test/scale/abuse.db.test.ts'];

// Files that wait on real intervals (probe rounds, lease takeover, processes killed and
// restarted, Redis cut and restored): most of their time is spent waiting, with the CPU idle
// (10–26 s of CPU over 70–260 s, README), so WAITING_WORKERS of them run at a time, after the
// parallel group and apart from everything else.
const WAITING = [
  'test/scale/{continuity,fanout,fault-db,fault-kill,metrics,tenancy-processes}.db.test.ts',
  'test/monitoring/{sharing,core-loop,guard,flapping}.db.test.ts',
  'test/dispatch/{crash,restart,dead-node}.db.test.ts',
  'test/app/process.test.ts',
];

// Database suites whose outcome cannot depend on the backend: they check what the API answers
// to input, identity and documents (validation codes, limits, headers, tenancy, the number of
// Prisma operations), one request at a time, with no SQL of their own, no ordering of text, no
// locking, no LISTEN/NOTIFY and no second process. PGlite is PostgreSQL itself (compiled to
// WASM), so the SQL behind them is the same on both. `npm test` runs them on PGlite only: its
// PostgreSQL pass sets TEST_SKIP_BACKEND_NEUTRAL=1 (scripts/test.mjs). Every other database
// suite runs on both. Run one of these on PostgreSQL by hand as any other file.
const BACKEND_NEUTRAL = [
  'test/graphql/field-codes.db.test.ts',
  'test/graphql/limits.db.test.ts',
  'test/graphql/certificates-input.db.test.ts',
  'test/graphql/tenancy.db.test.ts',
  'test/graphql/query-count.db.test.ts',
  'test/journeys/client-documents.db.test.ts',
  'test/security/edge.db.test.ts',
  'test/security/disclosure.db.test.ts',
];
const skipped = process.env.TEST_SKIP_BACKEND_NEUTRAL === '1' ? BACKEND_NEUTRAL : [];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  teardownTimeout: 20_000,
  // a test that asserts nothing fails (it could never have caught anything)
  expect: { requireAssertions: true },
} as const;

// One vitest project: its files, its place in the order of groups, and what differs.
function project(
  name: string,
  include: string[],
  groupOrder: number,
  own: { maxWorkers: number; exclude?: string[]; isolate?: boolean },
) {
  return {
    extends: true as const,
    test: { ...shared, name, include, exclude: skipped, ...own, sequence: { groupOrder } },
  };
}

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for the
    // libraries in node_modules; make vite give our code the same copy, or `instanceof
    // GraphQLError` fails across the two (errors would be masked in tests only).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    pool: 'forks',
    // the migrated template database, made once before any file runs (test/helpers/db.ts)
    globalSetup: ['test/global-setup.ts'],
    projects: [
      project('parallel', ['test/**/*.test.ts'], 0, {
        exclude: [...ALONE, ...BROWSER, ...ABUSE, ...WAITING, ...skipped],
        // most waiting is on sockets and databases: three files at a time on two cores
        maxWorkers: Number(process.env.TEST_PARALLEL_WORKERS ?? 3),
        // files share their worker's modules (each still makes its own database, server and
        // listeners): loading the server, Prisma's client and the schema once per worker, not
        // once per file, halved the group's CPU (432 → 190 s on PGlite). TEST_ISOLATE=1 gives
        // every file fresh modules again.
        isolate: process.env.TEST_ISOLATE === '1',
      }),
      project('waiting', WAITING, 1, {
        maxWorkers: Number(process.env.TEST_WAITING_WORKERS ?? 2),
        isolate: process.env.TEST_ISOLATE === '1',
      }),
      // two at a time: 137 s instead of 174 s for the 12 files (each its own server and Chromium)
      project('browser', BROWSER, 2, {
        maxWorkers: Number(process.env.TEST_BROWSER_WORKERS ?? 2),
        isolate: process.env.TEST_ISOLATE === '1',
      }),
      project('abuse', ABUSE, 3, { maxWorkers: 1 }),
      project('alone', ALONE, 4, { maxWorkers: 1 }),
    ],
  },
});
