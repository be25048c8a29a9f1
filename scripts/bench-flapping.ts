// CPU cost of the flapping rule per check: the pure core's evaluate (consecutive rule only)
// against evaluateWithFlapping (the composition the probe runs), on one port.
// Usage: npm run bench:flapping -- [--checks 300000] [--fail-every 50]
// Prints one line per variant, the last line JSON with both figures (µs of CPU per check).
import { parseArgs } from 'node:util';
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_FLAP_POLICY,
  evaluate,
  evaluateWithFlapping,
  initialMonitorState,
  type CheckResult,
  type FlapMonitorPolicy,
} from '../server/alerting/index.ts';

const { values } = parseArgs({
  options: { checks: { type: 'string', default: '300000' }, 'fail-every': { type: 'string', default: '50' } },
});
const checks = Number(values.checks);
const failEvery = Number(values['fail-every']);
const policy: FlapMonitorPolicy = { ...DEFAULT_ALERT_POLICY, maintenance: [], flapping: { ...DEFAULT_FLAP_POLICY } };
const OK: CheckResult = { ok: true, latencyMs: 1 };
const FAIL: CheckResult = { ok: false, latencyMs: 1, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' };

function run(fn: typeof evaluateWithFlapping): number {
  let state = initialMonitorState([22], 0);
  const t0 = process.cpuUsage();
  for (let i = 0; i < checks; i++) {
    state = fn(state, { port: 22, result: i % failEvery === 0 ? FAIL : OK, alertsHeld: false }, policy, i * 1000).next;
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / checks;
}

run(evaluateWithFlapping); // warm-up
const plain = run(evaluate);
const flapping = run(evaluateWithFlapping);
console.log(`evaluate: ${plain.toFixed(2)} µs CPU per check`);
console.log(`evaluateWithFlapping: ${flapping.toFixed(2)} µs CPU per check`);
console.log(
  JSON.stringify({
    checks,
    failEvery,
    evaluateUsPerCheck: +plain.toFixed(3),
    evaluateWithFlappingUsPerCheck: +flapping.toFixed(3),
  }),
);
