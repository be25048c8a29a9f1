/** Shared fixtures for the alerting tests (not a test file itself). */
import type { CheckResult, PortAction, PortPhase } from '../../server/alerting/index.ts';

export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
export const MINUTE = 60_000;

export const OK: CheckResult = { ok: true, latencyMs: 3 };
export const FAIL: CheckResult = {
  ok: false,
  latencyMs: 5000,
  code: 'ETIMEDOUT',
  message: 'connect ETIMEDOUT 127.0.0.1:22',
};
export const REFUSED: CheckResult = {
  ok: false,
  latencyMs: 1,
  code: 'ECONNREFUSED',
  message: 'connect ECONNREFUSED 127.0.0.1:22',
};

export const LOG: PortAction = { type: 'LOG_FAILURE', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 127.0.0.1:22' };
export const FAST_ON: PortAction = { type: 'FAST_RETRY', on: true };
export const FAST_OFF: PortAction = { type: 'FAST_RETRY', on: false };
export const PORT_DOWN: PortAction = { type: 'PORT_DOWN' };
export const PORT_UP: PortAction = { type: 'PORT_UP' };
export const changed = (from: PortPhase, to: PortPhase): PortAction => ({ type: 'PHASE_CHANGED', from, to });

/** A JSON round trip: what persisting to the database and loading back does to a state. */
export function persisted<S>(state: S): S {
  return JSON.parse(JSON.stringify(state)) as S;
}
