// Pure rendering of alert messages: e-mail (subject, text, HTML) and SMS, in Korean or English.
// Everything user-provided is HTML-escaped; URLs that are not http(s) are never made links.
import type { AlertContent, CloseReason, FlapLine, Lang, MessageKind } from './types.ts';
import { zoneFormatter } from './time-zone.ts';

export interface EmailRenderOptions {
  /** Signed tracking pixel URL (records READ). Omitted → no pixel. */
  trackingPixelUrl?: string;
  /** Signed read link: records READ, then redirects to content.logUrl. Omitted → content.logUrl. */
  readLinkUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface KindText {
  label: string; // subject / SMS word
  lead: string; // one sentence explaining the message
}

const KIND: Record<Lang, Record<MessageKind, KindText>> = {
  en: {
    DOWN: { label: 'DOWN', lead: 'The host stopped answering on the ports below after consecutive failed checks.' },
    RECOVERED: { label: 'RECOVERED', lead: 'The ports below answer again. The incident is closed.' },
    REMINDER: { label: 'STILL DOWN', lead: 'The host is still not answering on the ports below.' },
    ESCALATION: { label: 'ESCALATION', lead: 'This incident is still open and has been escalated.' },
    PROBE_DEGRADED: {
      label: 'PROBE DEGRADED',
      lead: 'The monitoring probe itself looks unhealthy (canary targets failing or an unusual share of ports failing). Customer alerts are held.',
    },
    PROBE_RECOVERED: {
      label: 'PROBE RECOVERED',
      lead: 'The monitoring probe is healthy again. Customer alerts resume.',
    },
    FLAPPING: {
      label: 'FLAPPING',
      lead: 'The ports below keep failing and answering by turns: the service is unstable. This is the only message while it flaps; another follows when the ports have been stable for a whole window of checks.',
    },
    STABLE: {
      label: 'STABLE AGAIN',
      lead: 'The ports below stopped flapping: they answered every check of the window. The incident is closed.',
    },
    CERT_EXPIRING: {
      label: 'CERTIFICATE EXPIRING',
      lead: 'The TLS certificate served on the port below expires soon. Renew it before then: clients refuse an expired certificate.',
    },
    CLOSED: {
      label: 'CLOSED',
      lead: 'The incident was closed without a recovery: the ports below were not seen answering again.',
    },
    TEST: { label: 'TEST', lead: 'This is a test notification sent from the settings page. Nothing is down.' },
    ACKNOWLEDGED: { label: 'ACKNOWLEDGED', lead: 'Someone acknowledged this incident: reminders and escalation stop.' },
  },
  ko: {
    DOWN: { label: '장애', lead: '아래 포트에 연속으로 접속하지 못했습니다.' },
    RECOVERED: { label: '복구', lead: '아래 포트가 다시 응답합니다. 장애가 종료되었습니다.' },
    REMINDER: { label: '장애 지속', lead: '아래 포트가 여전히 응답하지 않습니다.' },
    ESCALATION: { label: '장애 에스컬레이션', lead: '장애가 해소되지 않아 상위 담당자에게 알립니다.' },
    PROBE_DEGRADED: {
      label: '감시 서버 이상',
      lead: '감시 서버 자체에 문제가 있는 것으로 보입니다(기준 대상 실패 또는 비정상적으로 많은 포트 실패). 고객 알림을 보류합니다.',
    },
    PROBE_RECOVERED: { label: '감시 서버 정상화', lead: '감시 서버가 정상으로 돌아왔습니다. 고객 알림을 재개합니다.' },
    FLAPPING: {
      label: '불안정',
      lead: '아래 포트가 접속 실패와 응답을 반복하고 있습니다(불안정). 불안정한 동안에는 이 알림만 보내며, 점검 구간 내내 안정되면 다시 알려 드립니다.',
    },
    STABLE: {
      label: '안정화',
      lead: '아래 포트가 더 이상 불안정하지 않습니다: 점검 구간의 모든 점검에 응답했습니다. 장애가 종료되었습니다.',
    },
    CERT_EXPIRING: {
      label: '인증서 만료 예정',
      lead: '아래 포트의 TLS 인증서가 곧 만료됩니다. 만료되면 접속이 거부되므로 그 전에 갱신하십시오.',
    },
    CLOSED: {
      label: '종료',
      lead: '장애가 복구 확인 없이 종료되었습니다. 아래 포트의 응답은 다시 확인되지 않았습니다.',
    },
    TEST: { label: '테스트', lead: '설정 화면에서 보낸 테스트 알림입니다. 장애가 아닙니다.' },
    ACKNOWLEDGED: { label: '장애 확인', lead: '담당자가 장애를 확인했습니다. 재알림과 에스컬레이션을 멈춥니다.' },
  },
};

/** CLOSED: the reason, in the recipient's language ("closed: ports changed"), never "recovered". */
const CLOSE_REASON: Record<Lang, Record<CloseReason, { label: string; lead: string }>> = {
  en: {
    PORTS_REMOVED: {
      label: 'CLOSED: ports changed',
      lead: "The incident was closed because the monitor's ports were changed: the ports below are no longer checked. This is not a recovery; any new port is checked at once.",
    },
    MONITOR_PAUSED: {
      label: 'CLOSED: monitoring paused',
      lead: 'The incident was closed because monitoring of this server was paused. This is not a recovery: the ports below are not checked until monitoring resumes.',
    },
    MONITOR_DELETED: {
      label: 'CLOSED: monitor deleted',
      lead: "The incident was closed because this server's monitor was deleted. This is not a recovery: the ports below are no longer checked.",
    },
  },
  ko: {
    PORTS_REMOVED: {
      label: '종료: 포트 변경',
      lead: '감시 포트가 변경되어 장애를 종료했습니다. 아래 포트는 더 이상 감시하지 않습니다. 복구된 것이 아니며, 새 포트는 바로 확인합니다.',
    },
    MONITOR_PAUSED: {
      label: '종료: 감시 일시중지',
      lead: '이 서버의 감시가 일시중지되어 장애를 종료했습니다. 복구된 것이 아니며, 감시를 재개할 때까지 아래 포트를 확인하지 않습니다.',
    },
    MONITOR_DELETED: {
      label: '종료: 감시 삭제',
      lead: '이 서버의 감시가 삭제되어 장애를 종료했습니다. 복구된 것이 아니며, 아래 포트는 더 이상 감시하지 않습니다.',
    },
  },
};

/** A reminder of an incident with flapping ports must not say "still down" only. */
const FLAP_REMINDER: Record<Lang, KindText> = {
  en: { label: 'STILL FLAPPING', lead: 'The ports below are still failing or flapping.' },
  ko: { label: '불안정 지속', lead: '아래 포트가 여전히 응답하지 않거나 불안정합니다.' },
};

/** The label and lead of a message: a CLOSED message names its reason; a flapping reminder says so. */
function kindText(c: AlertContent): KindText {
  if (c.kind === 'CLOSED' && c.closeReason) return CLOSE_REASON[c.lang][c.closeReason];
  return c.kind === 'REMINDER' && c.flap?.length ? FLAP_REMINDER[c.lang] : KIND[c.lang][c.kind];
}

/** "port 22 failed 9 of the last 21 checks" / "포트 22: 최근 21회 점검 중 9회 실패". */
export function flapSentence(lang: Lang, f: FlapLine): string {
  return lang === 'ko'
    ? `포트 ${f.port}: 최근 ${f.checks}회 점검 중 ${f.failed}회 실패`
    : `port ${f.port} failed ${f.failed} of the last ${f.checks} checks`;
}

function flapSms(lang: Lang, f: FlapLine): string {
  return lang === 'ko'
    ? `${f.port}: ${f.checks}회 중 ${f.failed}회 실패`
    : `${f.port}: ${f.failed} of ${f.checks} failed`;
}

const CLOSING: ReadonlySet<MessageKind> = new Set(['RECOVERED', 'PROBE_RECOVERED', 'STABLE']);

const FIELD = {
  en: {
    monitor: 'Monitor',
    host: 'Host',
    ports: 'Ports',
    error: 'Error',
    flapping: 'Flapping',
    time: 'Time',
    incident: 'Incident',
    log: 'View the log',
    ack: 'Acknowledge',
    smsPorts: 'ports',
    certificate: 'Certificate',
    expires: 'Expires',
    daysLeft: (n: number) => (n === 1 ? '1 day left' : `${n} days left`),
    footer: 'Sent by portwatch. You receive this because you are a contact of this server.',
  },
  ko: {
    monitor: '모니터',
    host: '호스트',
    ports: '포트',
    error: '오류',
    flapping: '불안정',
    time: '시각',
    incident: '장애 번호',
    log: '로그 보기',
    ack: '확인(ACK)',
    smsPorts: '포트',
    certificate: '인증서',
    expires: '만료',
    daysLeft: (n: number) => `${n}일 남음`,
    footer: 'portwatch 알림입니다. 이 서버의 담당자로 등록되어 있어 발송되었습니다.',
  },
} as const;

const DEFAULT_ZONE: Record<Lang, string> = { ko: 'Asia/Seoul', en: 'UTC' };

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One line: no CR/LF/controls (header injection, SMS layout). */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function isHttpUrl(u: string): boolean {
  try {
    const p = new URL(u).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
}

export function formatPorts(ports: number[], sep = ', '): string {
  return [...new Set(ports)].sort((a, b) => a - b).join(sep);
}

export interface ZonedTime {
  date: string; // 2025-11-24
  time: string; // 18:20:05
  short: string; // 11-24 18:20
  offset: string; // +09:00
  zone: string; // Asia/Seoul
}

// formatToParts is still ~0.1 ms; a burst's messages share a handful of instants (the incidents'
// openedAt), so the last few hundred answers are kept (pure: same instant and zone, same parts).
const zonedCache = new Map<string, ZonedTime>();

/** Wall-clock parts of `at` in `timeZone` (falls back to UTC for an unknown zone). */
export function zonedTime(at: Date, timeZone: string): ZonedTime {
  const key = `${timeZone}|${Math.floor(at.getTime() / 1000)}`;
  const hit = zonedCache.get(key);
  if (hit) return hit;
  const t = zonedTimeUncached(at, timeZone);
  if (zonedCache.size >= 512) zonedCache.clear();
  zonedCache.set(key, Object.freeze(t));
  return t;
}

function zonedTimeUncached(at: Date, timeZone: string): ZonedTime {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = zoneFormatter(timeZone);
  } catch {
    if (timeZone === 'UTC') throw new RangeError('no UTC time zone support');
    return zonedTimeUncached(at, 'UTC');
  }
  const parts = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
  const [y, mo, d, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => parts[k] ?? '00');
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offMin = Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const abs = Math.abs(offMin);
  const offset = `${offMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return { date: `${y}-${mo}-${d}`, time: `${h}:${mi}:${s}`, short: `${mo}-${d} ${h}:${mi}`, offset, zone: timeZone };
}

function zoneOf(c: AlertContent): string {
  return c.timeZone || DEFAULT_ZONE[c.lang];
}

function errorLine(c: AlertContent): string | null {
  if (!c.error) return null;
  const code = oneLine(c.error.code);
  const msg = oneLine(c.error.message);
  if (!msg || msg === code) return code;
  return code ? `${code} (${msg})` : msg;
}

/** The short word for a kind ("DOWN", "장애"…), as subjects and SMS use it. */
export function kindLabel(lang: Lang, kind: MessageKind): string {
  return KIND[lang][kind].label;
}

/** The one-sentence explanation of a kind. */
export function kindLead(lang: Lang, kind: MessageKind): string {
  return KIND[lang][kind].lead;
}

export function renderSubject(c: AlertContent): string {
  const k = kindText(c);
  const ports = c.ports.length ? ` — ${FIELD[c.lang].smsPorts} ${formatPorts(c.ports)}` : '';
  const name = c.monitorName ? ` (${oneLine(c.monitorName)})` : '';
  return oneLine(`[portwatch] ${k.label}: ${oneLine(c.host)}${name}${ports}`);
}

export function renderEmail(c: AlertContent, opts: EmailRenderOptions = {}): RenderedEmail {
  const f = FIELD[c.lang];
  const k = kindText(c);
  const t = zonedTime(c.at, zoneOf(c));
  const when = `${t.date} ${t.time} (UTC${t.offset}, ${t.zone})`;
  const err = errorLine(c);
  const logHref = opts.readLinkUrl ?? c.logUrl;

  const rows: [string, string][] = [];
  if (c.monitorName) rows.push([f.monitor, oneLine(c.monitorName)]);
  rows.push([f.host, oneLine(c.host)]);
  if (c.ports.length) rows.push([f.ports, formatPorts(c.ports)]);
  if (err) rows.push([f.error, err]);
  if (!CLOSING.has(c.kind)) for (const line of c.flap ?? []) rows.push([f.flapping, flapSentence(c.lang, line)]);
  if (c.certificate) {
    const e = zonedTime(c.certificate.validTo, zoneOf(c));
    rows.push([f.certificate, oneLine(c.certificate.subject)]);
    rows.push([f.expires, `${e.date} ${e.time} (UTC${e.offset}) — ${f.daysLeft(c.certificate.daysLeft)}`]);
  }
  rows.push([f.time, when]);
  rows.push([f.incident, oneLine(c.incidentId)]);

  const subject = renderSubject(c);
  const text = [
    subject,
    '',
    k.lead,
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    `${f.log}: ${logHref}`,
    ...(c.ackUrl ? [`${f.ack}: ${c.ackUrl}`] : []),
    '',
    `-- ${f.footer}`,
    '',
  ].join('\n');

  const link = (href: string, label: string, primary: boolean): string =>
    isHttpUrl(href)
      ? `<a href="${escapeHtml(href)}" style="display:inline-block;padding:8px 14px;margin-right:8px;border-radius:4px;text-decoration:none;${
          primary ? 'background:#1d4ed8;color:#ffffff' : 'background:#e5e7eb;color:#111827'
        }">${escapeHtml(label)}</a>`
      : `${escapeHtml(label)}: ${escapeHtml(href)}`;
  const color = CLOSING.has(c.kind)
    ? '#15803d'
    : c.kind === 'FLAPPING' || c.kind === 'CERT_EXPIRING'
      ? '#b45309'
      : c.kind === 'CLOSED' || c.kind === 'TEST'
        ? '#374151'
        : '#b91c1c';
  const pixel =
    opts.trackingPixelUrl && isHttpUrl(opts.trackingPixelUrl)
      ? `<img src="${escapeHtml(opts.trackingPixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`
      : '';
  const html = `<!doctype html>
<html lang="${c.lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:Arial,'Malgun Gothic',sans-serif;color:#111827;background:#ffffff">
<h1 style="font-size:18px;margin:0 0 8px;color:${color}">${escapeHtml(k.label)}: ${escapeHtml(oneLine(c.host))}</h1>
<p style="margin:0 0 12px">${escapeHtml(k.lead)}</p>
<table role="presentation" cellpadding="4" cellspacing="0" style="border-collapse:collapse;margin-bottom:16px">
${rows.map(([label, value]) => `<tr><th align="left" style="padding-right:12px;color:#4b5563;font-weight:normal">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
</table>
<p>${link(logHref, f.log, true)}${c.ackUrl ? link(c.ackUrl, f.ack, false) : ''}</p>
<p style="font-size:12px;color:#6b7280">${escapeHtml(f.footer)}</p>
${pixel}
</body></html>
`;
  return { subject, text, html };
}

/**
 * Short SMS text, e.g. "[portwatch] DOWN 203.0.113.5 ports 22,80 ECONNREFUSED 11-24 18:20".
 * It fits one SMS (90 EUC-KR bytes) for an IPv4 host and a few ports; a long host (IPv6) or an
 * ack link makes it a long message (LMS), which the NHN adapter sends through /sender/mms.
 * Only the error *code* is included; characters outside the BMP (emoji) are dropped.
 */
export function renderSms(c: AlertContent): string {
  const f = FIELD[c.lang];
  const k = kindText(c);
  const t = zonedTime(c.at, zoneOf(c));
  const parts = ['[portwatch]', k.label, oneLine(c.host)];
  if (c.ports.length) parts.push(`${f.smsPorts} ${formatPorts(c.ports, ',')}`);
  if (c.kind === 'FLAPPING' && c.flap?.length) parts.push(c.flap.map((l) => flapSms(c.lang, l)).join(', '));
  else if (
    c.error &&
    (c.kind === 'DOWN' || c.kind === 'REMINDER' || c.kind === 'ESCALATION' || c.kind === 'PROBE_DEGRADED')
  )
    parts.push(oneLine(c.error.code));
  if (c.certificate)
    parts.push(`${f.daysLeft(c.certificate.daysLeft)} (${zonedTime(c.certificate.validTo, zoneOf(c)).date})`);
  parts.push(t.short);
  let text = parts.filter(Boolean).join(' ');
  if (c.ackUrl && isHttpUrl(c.ackUrl)) text += `\n${c.lang === 'ko' ? '확인' : 'ACK'} ${c.ackUrl}`;
  return stripAstral(text);
}

function stripAstral(s: string): string {
  let out = '';
  for (const ch of s) if ((ch.codePointAt(0) ?? 0) <= 0xffff) out += ch;
  return out;
}
