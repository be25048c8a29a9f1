// The SLA report as CSV (RFC 4180, CRLF): one HOST row per host, then one INCIDENT row per
// incident under it. Times in ISO 8601 UTC; percentages with three decimals; a cell that a
// spreadsheet would read as a formula is prefixed with an apostrophe.
import type { SlaReport } from './report.ts';

const HEADER = [
  'record',
  'month',
  'login',
  'host',
  'label',
  'target_percent',
  'availability_percent',
  'breached',
  'down_minutes',
  'excluded_minutes',
  'observed_minutes',
  'incident_opened_at',
  'incident_resolved_at',
  'incident_minutes_in_month',
  'cause',
  'ports',
];

function cell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const pct = (r: number | null) => (r === null ? null : (r * 100).toFixed(3));
const minutes = (s: number) => (s / 60).toFixed(1);

export function slaCsv(report: SlaReport): string {
  const lines = [HEADER.join(',')];
  for (const h of report.hosts) {
    const a = h.availability;
    lines.push(
      [
        'HOST',
        report.month,
        report.loginId,
        h.host,
        h.label,
        report.targetPercent,
        pct(a.ratio),
        h.breached ? 'yes' : 'no',
        minutes(a.downSeconds),
        minutes(a.excludedSeconds),
        minutes(a.observedSeconds),
        null,
        null,
        null,
        null,
        null,
      ]
        .map(cell)
        .join(','),
    );
    for (const i of h.incidents)
      lines.push(
        [
          'INCIDENT',
          report.month,
          report.loginId,
          h.host,
          h.label,
          null,
          null,
          null,
          null,
          null,
          null,
          i.openedAt.toISOString(),
          i.resolvedAt?.toISOString() ?? null,
          minutes(i.durationSeconds),
          i.cause,
          i.ports.join(' '),
        ]
          .map(cell)
          .join(','),
      );
  }
  return `${lines.join('\r\n')}\r\n`;
}
