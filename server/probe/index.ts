// Public surface of the probe room. Imports nothing of the app.
export type * from './types.ts';
export { tcpCheck } from './tcp-check.ts';
export { createScheduler } from './scheduler.ts';
export { rawConnectLoop, type RawConnectOptions, type RawConnectResult } from './raw-connect.ts';
export { systemClock } from './clock.ts';
export { alignedAfter, hashKey, phaseOf, tickFor } from './timing.ts';
export { runCheck, CHECK_MODULES, type CheckModule, type CheckTarget, type CheckOptions } from './checks/index.ts';
export * from './checks/spec.ts';
export { regexProblem, REGEX_MAX_LENGTH } from './checks/regex.ts';
export { describeExpectation } from './checks/banner.ts';
