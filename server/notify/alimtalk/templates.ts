// AlimTalk templates. Kakao sends only pre-registered templates: the admin registers these texts
// (NHN Cloud console → KakaoTalk Bizmessage → AlimTalk → template) and enters the template codes
// Kakao approved in the dashboard. At send time only the #{variables} are sent (templateParameter);
// NHN fills them in and Kakao checks the result against the registered text.
import { durationText, incidentSeconds } from '../chat.ts';
import { formatPorts, zonedTime } from '../render.ts';
import type { AlertContent, Lang, MessageKind } from '../types.ts';

export const ALIMTALK_TEMPLATE_KEYS = ['DOWN', 'RECOVERED', 'CLOSED', 'REMINDER', 'CERT_EXPIRY'] as const;
export type AlimtalkTemplateKey = (typeof ALIMTALK_TEMPLATE_KEYS)[number];

/** Template code per key and language, as Kakao approved them ('' or missing: not registered). */
export type AlimtalkTemplateCodes = Partial<Record<AlimtalkTemplateKey, Partial<Record<Lang, string>>>>;

/** The texts to register with Kakao, variables in #{…}. */
export const ALIMTALK_TEMPLATES: Record<AlimtalkTemplateKey, Record<Lang, string>> = {
  DOWN: {
    ko: '[portwatch] 장애 알림\n\n#{monitor} (#{host})의 포트 #{ports}이(가) 응답하지 않습니다.\n\n■ 오류: #{error}\n■ 발생 시각: #{time}\n\n장애 기록: #{link}',
    en: '[portwatch] DOWN\n\n#{monitor} (#{host}) stopped answering on port(s) #{ports}.\n\n■ Error: #{error}\n■ Since: #{time}\n\nIncident log: #{link}',
  },
  RECOVERED: {
    ko: '[portwatch] 복구 알림\n\n#{monitor} (#{host})의 포트 #{ports}이(가) 다시 응답합니다.\n\n■ 복구 시각: #{time}\n■ 장애 시간: #{duration}\n\n장애 기록: #{link}',
    en: '[portwatch] RECOVERED\n\n#{monitor} (#{host}) answers again on port(s) #{ports}.\n\n■ Recovered: #{time}\n■ Down for: #{duration}\n\nIncident log: #{link}',
  },
  CLOSED: {
    ko: '[portwatch] 장애 종료\n\n#{monitor} (#{host})의 장애가 종료되었습니다: #{reason}\n\n■ 종료 시각: #{time}\n■ 장애 시간: #{duration}\n\n장애 기록: #{link}',
    en: '[portwatch] CLOSED\n\nThe incident of #{monitor} (#{host}) was closed: #{reason}\n\n■ Closed: #{time}\n■ Lasted: #{duration}\n\nIncident log: #{link}',
  },
  REMINDER: {
    ko: '[portwatch] 장애 지속\n\n#{monitor} (#{host})의 포트 #{ports}이(가) 여전히 응답하지 않습니다.\n\n■ 오류: #{error}\n■ 장애 시간: #{duration}\n\n장애 기록: #{link}',
    en: '[portwatch] STILL DOWN\n\n#{monitor} (#{host}) is still not answering on port(s) #{ports}.\n\n■ Error: #{error}\n■ Down for: #{duration}\n\nIncident log: #{link}',
  },
  CERT_EXPIRY: {
    ko: '[portwatch] 인증서 만료 예정\n\n#{monitor} (#{host}:#{ports})의 TLS 인증서가 #{expires}에 만료됩니다 (#{days}일 남음).\n\n기록: #{link}',
    en: '[portwatch] CERTIFICATE EXPIRING\n\nThe TLS certificate of #{monitor} (#{host}:#{ports}) expires on #{expires} (#{days} days left).\n\nLog: #{link}',
  },
};

/**
 * Which template a ledger message kind uses (ESCALATION is SMS-only; the prober's own incidents
 * reuse DOWN/RECOVERED). FLAPPING and STABLE have no AlimTalk template (their words differ from
 * "stopped answering" / "answers again"): those go by SMS, through the fallback.
 */
export function templateKeyFor(kind: MessageKind): AlimtalkTemplateKey | null {
  switch (kind) {
    case 'DOWN':
    case 'PROBE_DEGRADED':
      return 'DOWN';
    case 'RECOVERED':
    case 'PROBE_RECOVERED':
      return 'RECOVERED';
    case 'REMINDER':
    case 'ESCALATION':
    case 'ACKNOWLEDGED': // sent to webhooks only; never by AlimTalk
      return 'REMINDER';
    case 'CERT_EXPIRING':
      return 'CERT_EXPIRY';
    case 'CLOSED':
      return 'CLOSED';
    case 'FLAPPING':
    case 'STABLE':
    case 'TEST':
      return null;
  }
}

/** Variables of a template (#{name}), in order of appearance. */
export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/#\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? ''))];
}

const ZONE: Record<Lang, string> = { ko: 'Asia/Seoul', en: 'UTC' };

function clean(s: string, max = 60): string {
  const one = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** templateParameter for a message: exactly the variables of its template. */
export function alimtalkParameters(
  c: AlertContent,
  key: AlimtalkTemplateKey = templateKeyFor(c.kind) ?? 'DOWN',
): Record<string, string> {
  const t = zonedTime(c.at, c.timeZone || ZONE[c.lang]);
  const secs = incidentSeconds(c);
  const all: Record<string, string> = {
    monitor: clean(c.monitorName ?? c.host),
    host: clean(c.host),
    ports: formatPorts(c.ports, ',') || '-',
    error: c.error ? clean(c.error.code || c.error.message) : '-',
    time: `${t.date} ${t.time.slice(0, 5)}`,
    duration: secs === null ? '-' : durationText(secs, c.lang),
    link: c.ackUrl ?? c.logUrl,
    reason: '-',
    expires: '-',
    days: '-',
  };
  const vars = templateVariables(ALIMTALK_TEMPLATES[key][c.lang]);
  return Object.fromEntries(vars.map((v) => [v, all[v] ?? '-']));
}

/** The text Kakao will show (the template with its variables filled in): used for tests and previews. */
export function fillTemplate(text: string, params: Record<string, string>): string {
  return text.replace(/#\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => params[name] ?? '');
}
