// What a ledger row says: the incident (one per host, naming all its ports as they are at send
// time), the recipient's language and time zone, and the signed links (read pixel, read link,
// acknowledgement). Pure.
import type { Language } from '../generated/prisma/enums.ts';
import { renderEmail, renderSms, type RenderedEmail } from '../notify/render.ts';
import { incidentLogPath, signToken } from '../notify/tracking.ts';
import type { AlertContent, FlapLine } from '../notify/types.ts';
import type { ClaimedRow, IncidentForMessage } from './claim.ts';

export type { IncidentForMessage } from './claim.ts';

export interface TrackingUrls {
  pixel: string;
  readLink: string;
  ack: string;
}

export function trackingUrls(publicUrl: string, secret: string, ledgerId: string): TrackingUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const read = signToken(secret, { ledgerId, purpose: 'read' });
  const ack = signToken(secret, { ledgerId, purpose: 'ack' });
  return { pixel: `${base}/t/r/${read}.gif`, readLink: `${base}/t/l/${read}`, ack: `${base}/t/a/${ack}` };
}

/**
 * Incident.reason → the OS error shown in messages. "ECONNREFUSED: connect ECONNREFUSED 1.2.3.4:22"
 * (code, colon, message) renders best; a bare message works, its E-code is picked out if present.
 */
export function errorFromReason(reason: string | null): AlertContent['error'] {
  if (!reason?.trim()) return undefined;
  const text = reason.trim();
  const lead = /^([A-Z][A-Z0-9_]{2,})(?::\s*|\s+-\s+|\s*$)(.*)$/s.exec(text);
  if (lead?.[1]) return { code: lead[1], message: lead[2]?.trim() || lead[1] };
  const code = /\b(E[A-Z]{3,})\b/.exec(text)?.[1] ?? '';
  return { code, message: text };
}

/** The alert kinds; an SLA_REPORT row is never an alert (sla-mail.ts renders it). */
export function alertKind(kind: ClaimedRow['kind']): AlertContent['kind'] {
  if (kind === 'SLA_REPORT') throw new TypeError('an SLA_REPORT row is not an alert (dispatch/sla-mail.ts renders it)');
  return kind;
}

const ACKABLE = new Set(['DOWN', 'FLAPPING', 'REMINDER', 'ESCALATION']);

/** Incident.flapFigures (JSON) → the lines a message quotes; malformed entries are skipped. */
export function flapLines(json: unknown): FlapLine[] {
  if (!Array.isArray(json)) return [];
  const out: FlapLine[] = [];
  for (const e of json as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { port, failed, checks } = e as Record<string, unknown>;
    if (typeof port === 'number' && typeof failed === 'number' && typeof checks === 'number')
      out.push({ port, failed, checks });
  }
  return out;
}

export interface BuildOptions {
  publicUrl: string;
  secret: string;
  /** Put the acknowledgement link into SMS texts too (makes them long messages). */
  smsAckLink: boolean;
}

/** The content of one row's message. */
export function alertContent(
  row: ClaimedRow,
  incident: IncidentForMessage,
  urls: TrackingUrls | null,
  opts: BuildOptions,
): AlertContent {
  const lang: Language = row.language;
  const at =
    row.kind === 'RECOVERED' || row.kind === 'PROBE_RECOVERED' || row.kind === 'STABLE' || row.kind === 'CLOSED'
      ? (incident.resolvedAt ?? row.createdAt)
      : row.kind === 'TEST'
        ? row.createdAt
        : row.kind === 'REMINDER'
          ? row.createdAt
          : row.kind === 'ACKNOWLEDGED'
            ? (incident.acknowledgedAt ?? row.createdAt)
            : incident.openedAt;
  const ackable =
    ACKABLE.has(row.kind) && incident.kind === 'HOST_DOWN' && !incident.resolvedAt && !incident.acknowledgedAt;
  const withAck = ackable && urls && (row.channel !== 'SMS' || opts.smsAckLink);
  const error = row.kind === 'CERT_EXPIRING' ? undefined : errorFromReason(incident.reason);
  const zone = row.recipientRole === 'CONTACT' ? incident.timeZone : null;
  const flap = flapLines(incident.flapFigures);
  const cert =
    row.kind === 'CERT_EXPIRING' && incident.certValidTo
      ? {
          subject: incident.certSubject ?? '',
          validTo: incident.certValidTo,
          daysLeft: Math.max(0, Math.floor((incident.certValidTo.getTime() - row.createdAt.getTime()) / 86_400_000)),
        }
      : null;
  return {
    kind: alertKind(row.kind),
    lang,
    host: incident.host ?? (lang === 'ko' ? '감시 서버' : 'probe'),
    ports: incident.ports,
    ...(error ? { error } : {}),
    at: cert ? row.createdAt : at,
    incidentId: incident.id,
    ...(cert ? { certificate: cert } : {}),
    ...(incident.label ? { monitorName: incident.label } : {}),
    ...(row.kind === 'CLOSED' &&
    incident.closeReason &&
    incident.closeReason !== 'RECOVERED' &&
    incident.closeReason !== 'STABLE'
      ? { closeReason: incident.closeReason }
      : {}),
    logUrl: `${opts.publicUrl.replace(/\/+$/, '')}${incidentLogPath(incident.id)}`,
    ...(withAck ? { ackUrl: urls.ack } : {}),
    ...(zone ? { timeZone: zone } : {}),
    ...(flap.length ? { flap } : {}),
    openedAt: incident.openedAt,
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.acknowledgedBy ? { acknowledgedBy: incident.acknowledgedBy } : {}),
  };
}

export function buildEmail(row: ClaimedRow, incident: IncidentForMessage, opts: BuildOptions): RenderedEmail {
  const urls = trackingUrls(opts.publicUrl, opts.secret, row.id);
  return renderEmail(alertContent(row, incident, urls, opts), {
    trackingPixelUrl: urls.pixel,
    readLinkUrl: urls.readLink,
  });
}

export function buildSms(row: ClaimedRow, incident: IncidentForMessage, opts: BuildOptions): string {
  const urls = opts.smsAckLink ? trackingUrls(opts.publicUrl, opts.secret, row.id) : null;
  return renderSms(alertContent(row, incident, urls, opts));
}
