// The small HTML pages of the acknowledgement link (no script; one form button), ko or en.
import type { Language } from '../generated/prisma/enums.ts';
import { escapeHtml, formatPorts, zonedTime } from '../notify/render.ts';
import type { AckLinkView, AcknowledgeOutcome } from '../services/notifications/acknowledge.ts';
import { OPERATOR } from '../services/notifications/acknowledger.ts';

const T = {
  en: {
    title: 'Acknowledge incident',
    host: 'Host',
    ports: 'Ports',
    opened: 'Opened',
    button: 'Acknowledge',
    ask: 'Acknowledge this incident? Reminders and escalation stop; the incident stays open until the ports answer again.',
    done: 'Acknowledged. No more reminders will be sent for this incident.',
    already: (at: string, by: string) => `Already acknowledged at ${at} by ${by}.`,
    resolved: (at: string) => `This incident was resolved at ${at}; there is nothing to acknowledge.`,
    log: 'View the log',
    missing: 'This link is not valid.',
    operator: "the provider's operator",
  },
  ko: {
    title: '장애 확인(ACK)',
    host: '호스트',
    ports: '포트',
    opened: '발생',
    button: '확인(ACK)',
    ask: '이 장애를 확인 처리할까요? 재알림과 에스컬레이션이 중단되며, 장애는 포트가 다시 응답할 때까지 열려 있습니다.',
    done: '확인 처리되었습니다. 이 장애에 대한 재알림은 더 이상 발송되지 않습니다.',
    already: (at: string, by: string) => `이미 ${at}에 ${by}이(가) 확인했습니다.`,
    resolved: (at: string) => `이 장애는 ${at}에 복구되었습니다. 확인할 것이 없습니다.`,
    log: '로그 보기',
    missing: '유효하지 않은 링크입니다.',
    operator: '서비스 제공자 운영자',
  },
} as const;

const ZONE: Record<Language, string> = { ko: 'Asia/Seoul', en: 'UTC' };

function when(at: Date, lang: Language): string {
  const t = zonedTime(at, ZONE[lang]);
  return `${t.date} ${t.time} (UTC${t.offset})`;
}

function page(lang: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;font-family:Arial,'Malgun Gothic',sans-serif;color:#111827;max-width:560px">
<h1 style="font-size:20px">${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

export function notFoundPage(lang: Language = 'ko'): string {
  return page(lang, 'portwatch', `<p>${escapeHtml(T[lang].missing)} / ${escapeHtml(T.en.missing)}</p>`);
}

export function ackPage(v: AckLinkView & { outcome: AcknowledgeOutcome | null; logUrl: string }): string {
  const lang = v.language;
  const t = T[lang];
  const i = v.incident;
  const rows = [
    [t.host, i.host ?? '—'],
    ...(i.ports.length ? [[t.ports, formatPorts(i.ports)]] : []),
    [t.opened, when(i.openedAt, lang)],
  ];
  let message: string;
  let button = false;
  if (v.outcome === 'ACKNOWLEDGED') message = t.done;
  else if (i.acknowledgedAt)
    message = t.already(
      when(i.acknowledgedAt, lang),
      i.acknowledgedBy === OPERATOR ? t.operator : (i.acknowledgedBy ?? '?'),
    );
  else if (i.resolvedAt) message = t.resolved(when(i.resolvedAt, lang));
  else {
    message = t.ask;
    button = true;
  }
  const body = `<table cellpadding="4">${rows.map(([k, val]) => `<tr><th align="left">${escapeHtml(k ?? '')}</th><td>${escapeHtml(val ?? '')}</td></tr>`).join('')}</table>
<p>${escapeHtml(message)}</p>
${button ? `<form method="post"><button type="submit" style="padding:10px 18px;font-size:16px;background:#1d4ed8;color:#fff;border:0;border-radius:4px">${escapeHtml(t.button)}</button></form>` : ''}
<p><a href="${escapeHtml(v.logUrl)}">${escapeHtml(t.log)}</a></p>`;
  return page(lang, t.title, body);
}
