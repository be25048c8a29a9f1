import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Files that measure real time (probe lateness, lease takeover, child processes killed and
// restarted, the browser): they run one at a time, after the others, so that no other test
// file competes with them for the CPU. Everything else runs several files at a time.
const TIMED = [
  'test/scale/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/monitoring/{sharing,core-loop,guard,flapping}.db.test.ts',
  'test/dispatch/{crash,restart,dead-node}.db.test.ts',
  'test/probe/{timing,scheduler-runtime,raw-connect}.test.ts',
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
      {
        extends: true,
        test: {
          ...shared,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: [...TIMED, ...skipped],
          // most waiting is on sockets and databases: three files at a time on two cores
          // (scripts/test.mjs gives the PostgreSQL run two while it runs beside PGlite)
          maxWorkers: Number(process.env.TEST_PARALLEL_WORKERS ?? 3),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'timed',
          include: TIMED,
          exclude: skipped,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
