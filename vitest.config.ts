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
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: TIMED,
          // most waiting is on sockets and databases: three files at a time on two cores
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'timed',
          include: TIMED,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
