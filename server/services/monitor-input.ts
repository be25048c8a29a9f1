// Pure validation of a monitor's contact, policy and maintenance windows. No Prisma, no clock.
// Problems are collected (not thrown) so one answer can name every bad field.
import { maintenanceProblems } from '../alerting/maintenance.ts';
import type { MaintenanceWindow as AlertWindow } from '../alerting/types.ts';
import { EMAIL_MAX_LENGTH, hasEmailShape } from '../notify/email-address.ts';
import { normalizeMobile } from '../notify/phone.ts';
import type { FieldProblem, ProblemParams } from './errors.ts';
import type { MonitorDefaults } from './settings.ts';

export const MAX_WINDOWS = 20;

const p = (
  field: string | (string | number)[],
  message: string,
  code?: string,
  params?: ProblemParams,
): FieldProblem => ({
  path: ['input', ...(Array.isArray(field) ? field : [field]).map(String)],
  message,
  ...(code ? { code } : {}),
  ...(params ? { params } : {}),
});

export interface ContactInput {
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  /** KakaoTalk AlimTalk to the phone (the SMS is its fallback). */
  alimtalkEnabled?: boolean;
}

/** Checks a contact; returns it normalised (trimmed, phone in E.164) with the problems found. */
export function validateContact(c: ContactInput): { value: ContactInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = c.contactName.trim();
  if (!name) problems.push(p('contactName', 'Enter the contact person', 'REQUIRED'));
  else if (name.length > 100) problems.push(p('contactName', 'At most 100 characters', 'TOO_LONG', { max: 100 }));
  const email = c.contactEmail.trim();
  if (!hasEmailShape(email)) problems.push(p('contactEmail', 'Enter an e-mail address with @', 'INVALID_EMAIL'));
  else if (email.length > EMAIL_MAX_LENGTH)
    problems.push(p('contactEmail', `At most ${EMAIL_MAX_LENGTH} characters`, 'TOO_LONG', { max: EMAIL_MAX_LENGTH }));
  let phone: string | null = null;
  const rawPhone = c.contactPhone?.trim() ?? '';
  if (rawPhone) {
    const m = normalizeMobile(rawPhone);
    if (m.ok) phone = m.e164;
    else problems.push(p('contactPhone', `Cannot send SMS to this number: ${m.reason}`, 'INVALID_PHONE'));
  } else if (c.smsEnabled) {
    problems.push(p('contactPhone', 'Enter a mobile number, or switch SMS off', 'PHONE_FOR_SMS'));
  } else if (c.alimtalkEnabled) {
    problems.push(p('contactPhone', 'Enter a mobile number, or switch KakaoTalk AlimTalk off', 'PHONE_FOR_ALIMTALK'));
  }
  return {
    value: {
      contactName: name,
      contactEmail: email,
      contactPhone: phone,
      mailEnabled: c.mailEnabled,
      smsEnabled: c.smsEnabled,
      ...(c.alimtalkEnabled !== undefined ? { alimtalkEnabled: c.alimtalkEnabled } : {}),
    },
    problems,
  };
}

export interface PolicyFields {
  intervalSec: number | null;
  retryIntervalSec: number | null;
  timeoutMs: number | null;
  failureThreshold: number | null;
  recoveryThreshold: number | null;
  reminderEveryMin: number | null;
  escalateAfterMin: number | null;
  /** Flapping rule (server/alerting/flapping.ts); null = the admin's default. */
  flapEnabled: boolean | null;
  flapWindow: number | null;
  flapChanges: number | null;
  flapFailedPercent: number | null;
}

type NumericPolicyKey = Exclude<keyof PolicyFields, 'flapEnabled'>;

export const POLICY_BOUNDS: Record<NumericPolicyKey, [min: number, max: number, unit: string]> = {
  intervalSec: [10, 86_400, 'seconds'],
  retryIntervalSec: [1, 3_600, 'seconds'],
  timeoutMs: [100, 60_000, 'milliseconds'],
  failureThreshold: [1, 100, 'checks'],
  recoveryThreshold: [1, 100, 'checks'],
  reminderEveryMin: [5, 10_080, 'minutes'],
  escalateAfterMin: [1, 10_080, 'minutes'],
  // FLAP_LIMITS of the core: a window of 6–100 checks; ≥ 4 changes, so one failed check never flaps
  flapWindow: [6, 100, 'checks'],
  flapChanges: [4, 99, 'changes'],
  flapFailedPercent: [10, 100, 'percent'],
};

/** Checks a monitor's policy (NULL = the global default) against sane bounds and each other. */
export function validatePolicy(policy: PolicyFields, defaults: MonitorDefaults): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(POLICY_BOUNDS) as NumericPolicyKey[]) {
    const v = policy[key];
    const [min, max, unit] = POLICY_BOUNDS[key];
    if (v !== null && (!Number.isInteger(v) || v < min || v > max))
      problems.push(p(key, `From ${min} to ${max} ${unit}`, 'OUT_OF_RANGE', { min, max }));
  }
  if (problems.length) return problems;
  const interval = policy.intervalSec ?? defaults.intervalSec;
  // an unset retry interval never exceeds the interval (the probe clamps it the same way)
  const retry = policy.retryIntervalSec ?? Math.min(defaults.retryIntervalSec, interval);
  const timeout = policy.timeoutMs ?? defaults.timeoutMs;
  if (timeout >= interval * 1000)
    problems.push(
      p(
        policy.timeoutMs !== null ? 'timeoutMs' : 'intervalSec',
        `The timeout (${timeout} ms) must be shorter than the interval (${interval} s)`,
        'TIMEOUT_VS_INTERVAL',
        { timeout, interval },
      ),
    );
  else if (timeout >= retry * 1000)
    problems.push(
      p(
        policy.timeoutMs !== null ? 'timeoutMs' : 'retryIntervalSec',
        `The timeout (${timeout} ms) must be shorter than the retry interval (${retry} s)`,
        'TIMEOUT_VS_RETRY',
        { timeout, retry },
      ),
    );
  const flapWindow = policy.flapWindow ?? defaults.flapWindow;
  const flapChanges = policy.flapChanges ?? defaults.flapChanges;
  if (flapChanges >= flapWindow)
    problems.push(
      p(
        policy.flapChanges !== null ? 'flapChanges' : 'flapWindow',
        `The changes (${flapChanges}) must be fewer than the checks in the window (${flapWindow})`,
        'FLAP_CHANGES',
        { changes: flapChanges, window: flapWindow },
      ),
    );
  if (policy.retryIntervalSec !== null && retry > interval)
    problems.push(
      p(
        'retryIntervalSec',
        `The retry interval (${retry} s) may not be longer than the interval (${interval} s)`,
        'RETRY_VS_INTERVAL',
        { retry, interval },
      ),
    );
  return problems;
}

export interface MaintenanceWindowInput {
  kind: 'ONE_OFF' | 'WEEKLY';
  startsAt?: Date | null;
  endsAt?: Date | null;
  weekday?: number | null;
  startMinute?: number | null;
  durationMin?: number | null;
  timeZone?: string | null;
  note?: string | null;
}

export interface MaintenanceWindowRow {
  kind: 'ONE_OFF' | 'WEEKLY';
  startsAt: Date | null;
  endsAt: Date | null;
  weekday: number | null;
  startMinute: number | null;
  durationMin: number | null;
  timeZone: string;
  note: string | null;
}

/** Validates windows with the alerting core's own rules; returns the rows to store. */
export function validateWindows(
  list: MaintenanceWindowInput[],
  defaultTimeZone: string,
): { rows: MaintenanceWindowRow[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (list.length > MAX_WINDOWS)
    return {
      rows: [],
      problems: [p('maintenanceWindows', `At most ${MAX_WINDOWS} windows`, 'TOO_MANY', { max: MAX_WINDOWS })],
    };
  const rows = list.map((w, i): MaintenanceWindowRow => {
    const at = (field: string, message: string, code?: string, params?: ProblemParams) =>
      problems.push(p(['maintenanceWindows', i, field], message, code, params));
    const timeZone = w.timeZone?.trim() || defaultTimeZone;
    const note = w.note?.trim() || null;
    if (note && note.length > 200)
      problems.push(p(['maintenanceWindows', i, 'note'], 'At most 200 characters', 'TOO_LONG', { max: 200 }));
    let core: AlertWindow;
    if (w.kind === 'ONE_OFF') {
      if (!w.startsAt)
        problems.push(p(['maintenanceWindows', i, 'startsAt'], 'Required for a one-off window', 'REQUIRED'));
      if (!w.endsAt) problems.push(p(['maintenanceWindows', i, 'endsAt'], 'Required for a one-off window', 'REQUIRED'));
      core = { kind: 'once', startsAt: w.startsAt?.getTime() ?? NaN, endsAt: w.endsAt?.getTime() ?? NaN };
    } else {
      core = {
        kind: 'weekly',
        days: [w.weekday ?? -1],
        startMinute: w.startMinute ?? -1,
        durationMinutes: w.durationMin ?? -1,
        timeZone,
      };
    }
    const names: Record<string, string> = { days: 'weekday', durationMinutes: 'durationMin' };
    if (w.kind === 'ONE_OFF' && (!w.startsAt || !w.endsAt)) {
      // already reported
    } else {
      for (const m of maintenanceProblems(core)) at(names[m.field] ?? m.field, m.message, m.code, m.params);
    }
    return w.kind === 'ONE_OFF'
      ? {
          kind: 'ONE_OFF',
          startsAt: w.startsAt ?? null,
          endsAt: w.endsAt ?? null,
          weekday: null,
          startMinute: null,
          durationMin: null,
          timeZone,
          note,
        }
      : {
          kind: 'WEEKLY',
          startsAt: null,
          endsAt: null,
          weekday: w.weekday ?? null,
          startMinute: w.startMinute ?? null,
          durationMin: w.durationMin ?? null,
          timeZone,
          note,
        };
  });
  return { rows, problems };
}
