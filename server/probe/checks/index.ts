// The probe's check kinds: one module per kind behind one interface. The scheduler calls
// runCheck(target) for every target; a target without a spec is a plain TCP connect.
import { tcpCheck } from '../tcp-check.ts';
import type { ProbeResult, ProbeTarget } from '../types.ts';
import { bannerCheck } from './banner.ts';
import { httpCheck } from './http.ts';
import type { CheckOptions } from './session.ts';
import type { CheckKind, CheckSpec } from './spec.ts';
import { tlsCheck } from './tls.ts';

export interface CheckModule<S extends CheckSpec> {
  readonly kind: S['kind'];
  run(target: ProbeTarget, spec: S, opts: CheckOptions): Promise<ProbeResult>;
}

type Modules = { [K in CheckKind]: CheckModule<Extract<CheckSpec, { kind: K }>> };

export const CHECK_MODULES: Modules = {
  TCP_CONNECT: { kind: 'TCP_CONNECT', run: (t, _s, o) => tcpCheck(t, o) },
  BANNER: { kind: 'BANNER', run: bannerCheck },
  TLS: { kind: 'TLS', run: tlsCheck },
  HTTP: { kind: 'HTTP', run: httpCheck },
};

export interface CheckTarget extends ProbeTarget {
  /** Absent or TCP_CONNECT: today's connect-and-reset. */
  check?: CheckSpec | undefined;
}

export function runCheck(target: CheckTarget, opts: CheckOptions): Promise<ProbeResult> {
  const spec = target.check;
  if (!spec || spec.kind === 'TCP_CONNECT') return tcpCheck(target, opts);
  const mod = CHECK_MODULES[spec.kind] as CheckModule<CheckSpec>;
  return mod.run(target, spec, opts);
}

export type { CheckOptions } from './session.ts';
export * from './spec.ts';
export { describeExpectation, effectiveBanner } from './banner.ts';
export { regexProblem, REGEX_MAX_LENGTH } from './regex.ts';
export { tlsVerdict, isoDay } from './tls.ts';
