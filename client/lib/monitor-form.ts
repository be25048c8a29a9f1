// The register / edit / contact forms' values and their conversion to the API's inputs.
import { isoToLocal, localToIso } from './tz';

export const POLICY_FIELDS = [
  'intervalSec',
  'retryIntervalSec',
  'timeoutMs',
  'failureThreshold',
  'recoveryThreshold',
  'reminderEveryMin',
  'escalateAfterMin',
  'flapWindow',
  'flapChanges',
  'flapFailedPercent',
] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

export interface WindowValues {
  kind: 'ONE_OFF' | 'WEEKLY';
  startsAt: string;
  endsAt: string;
  weekday: string;
  startTime: string;
  durationMin: string;
  note: string;
}

export interface MonitorFormValues {
  server: string;
  ports: string;
  useAccountContact: boolean;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  mailEnabled: boolean;
  smsEnabled: boolean;
  alimtalkEnabled: boolean;
  policy: Record<PolicyField, string>;
  /** Flapping rule: '' = the provider's default, 'on', 'off'. */
  flapEnabled: '' | 'on' | 'off';
  windows: WindowValues[];
}

export function emptyValues(): MonitorFormValues {
  return {
    server: '',
    ports: '',
    useAccountContact: false,
    contactName: '',
    contactEmail: '',
    contactPhone: '',
    mailEnabled: true,
    smsEnabled: true,
    alimtalkEnabled: false,
    policy: Object.fromEntries(POLICY_FIELDS.map((f) => [f, ''])) as Record<PolicyField, string>,
    flapEnabled: '',
    windows: [],
  };
}

export function newWindow(kind: WindowValues['kind'] = 'WEEKLY'): WindowValues {
  return { kind, startsAt: '', endsAt: '', weekday: '0', startTime: '03:00', durationMin: '60', note: '' };
}

interface MonitorLike {
  ports: readonly number[];
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  alimtalkEnabled?: boolean;
  intervalSec?: number | null;
  retryIntervalSec?: number | null;
  timeoutMs?: number | null;
  failureThreshold?: number | null;
  recoveryThreshold?: number | null;
  reminderEveryMin?: number | null;
  escalateAfterMin?: number | null;
  flapEnabled?: boolean | null;
  flapWindow?: number | null;
  flapChanges?: number | null;
  flapFailedPercent?: number | null;
  maintenanceWindows?: readonly {
    kind: 'ONE_OFF' | 'WEEKLY';
    startsAt: string | null;
    endsAt: string | null;
    weekday: number | null;
    startMinute: number | null;
    durationMin: number | null;
    note: string | null;
  }[];
}

export function valuesFromMonitor(m: MonitorLike, timeZone: string): MonitorFormValues {
  const v = emptyValues();
  v.ports = m.ports.join(',');
  v.contactName = m.contactName;
  v.contactEmail = m.contactEmail;
  v.contactPhone = m.contactPhone ?? '';
  v.mailEnabled = m.mailEnabled;
  v.smsEnabled = m.smsEnabled;
  v.alimtalkEnabled = m.alimtalkEnabled ?? false;
  for (const f of POLICY_FIELDS) v.policy[f] = m[f] == null ? '' : String(m[f]);
  v.flapEnabled = m.flapEnabled == null ? '' : m.flapEnabled ? 'on' : 'off';
  v.windows = (m.maintenanceWindows ?? []).map((w) => ({
    kind: w.kind,
    startsAt: isoToLocal(w.startsAt, timeZone),
    endsAt: isoToLocal(w.endsAt, timeZone),
    weekday: String(w.weekday ?? 0),
    startTime:
      w.startMinute == null
        ? '03:00'
        : `${String(Math.floor(w.startMinute / 60)).padStart(2, '0')}:${String(w.startMinute % 60).padStart(2, '0')}`,
    durationMin: w.durationMin == null ? '' : String(w.durationMin),
    note: w.note ?? '',
  }));
  return v;
}

function intOrNull(s: string): number | null {
  const x = s.trim();
  if (!x) return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : NaN;
}

export function contactInput(v: MonitorFormValues) {
  return v.useAccountContact
    ? {
        useAccountContact: true,
        mailEnabled: v.mailEnabled,
        smsEnabled: v.smsEnabled,
        alimtalkEnabled: v.alimtalkEnabled,
      }
    : {
        useAccountContact: false,
        contactName: v.contactName,
        contactEmail: v.contactEmail,
        contactPhone: v.contactPhone.trim() || null,
        mailEnabled: v.mailEnabled,
        smsEnabled: v.smsEnabled,
        alimtalkEnabled: v.alimtalkEnabled,
      };
}

export function policyInput(v: MonitorFormValues) {
  const numbers = Object.fromEntries(POLICY_FIELDS.map((f) => [f, intOrNull(v.policy[f])])) as Record<
    PolicyField,
    number | null
  >;
  return { ...numbers, flapEnabled: v.flapEnabled === '' ? null : v.flapEnabled === 'on' };
}

export function windowsInput(v: MonitorFormValues, timeZone: string) {
  return v.windows.map((w) =>
    w.kind === 'ONE_OFF'
      ? {
          kind: 'ONE_OFF' as const,
          startsAt: localToIso(w.startsAt, timeZone),
          endsAt: localToIso(w.endsAt, timeZone),
          timeZone,
          note: w.note.trim() || null,
        }
      : {
          kind: 'WEEKLY' as const,
          weekday: Number(w.weekday),
          startMinute: (() => {
            const m = /^(\d{1,2}):(\d{2})$/.exec(w.startTime);
            return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
          })(),
          durationMin: intOrNull(w.durationMin),
          timeZone,
          note: w.note.trim() || null,
        },
  );
}
