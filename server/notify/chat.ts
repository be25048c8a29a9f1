// Pure rendering of chat messages (Slack Block Kit, Telegram HTML) in Korean or English: the
// host, ports, error, time, how long it has been down, and links to the log and acknowledgement.
// User-provided strings are escaped for each format (Slack mrkdwn: & < >; Telegram HTML).
import { escapeHtml, formatPorts, kindLabel, kindLead, zonedTime } from './render.ts';
import type { AlertContent, Lang } from './types.ts';

const F = {
  en: {
    host: 'Host',
    ports: 'Ports',
    error: 'Error',
    time: 'Time',
    down: 'Down for',
    log: 'View the log',
    ack: 'Acknowledge',
    monitor: 'Monitor',
  },
  ko: {
    host: '호스트',
    ports: '포트',
    error: '오류',
    time: '시각',
    down: '장애 시간',
    log: '로그 보기',
    ack: '확인(ACK)',
    monitor: '모니터',
  },
} as const;

const ZONE: Record<Lang, string> = { ko: 'Asia/Seoul', en: 'UTC' };

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function httpUrl(u: string | undefined): string | null {
  if (!u) return null;
  try {
    const p = new URL(u).protocol;
    return p === 'http:' || p === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** 3725 s → "1h 2m" / "1시간 2분"; under a minute → seconds. */
export function durationText(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const unit = lang === 'ko' ? { d: '일', h: '시간', m: '분', s: '초' } : { d: 'd', h: 'h', m: 'm', s: 's' };
  const sep = lang === 'ko' ? ' ' : ' ';
  if (s < 60) return `${s}${unit.s}`;
  return [d ? `${d}${unit.d}` : '', h ? `${h}${unit.h}` : '', m ? `${m}${unit.m}` : ''].filter(Boolean).join(sep);
}

/** Seconds the incident has lasted at the message's time (resolved: its whole length). */
export function incidentSeconds(c: AlertContent): number | null {
  if (!c.openedAt) return null;
  const end = c.resolvedAt ?? c.at;
  return Math.max(0, Math.round((end.getTime() - c.openedAt.getTime()) / 1000));
}

interface Fact {
  label: string;
  value: string;
}

/** The message as title + facts + links, before formatting. */
export function chatParts(c: AlertContent): {
  title: string;
  lead: string;
  facts: Fact[];
  links: { label: string; url: string }[];
} {
  const f = F[c.lang];
  const t = zonedTime(c.at, c.timeZone || ZONE[c.lang]);
  const facts: Fact[] = [];
  if (c.monitorName) facts.push({ label: f.monitor, value: clean(c.monitorName) });
  facts.push({ label: f.host, value: clean(c.host) });
  if (c.ports.length) facts.push({ label: f.ports, value: formatPorts(c.ports) });
  if (c.error && c.kind !== 'RECOVERED' && c.kind !== 'PROBE_RECOVERED')
    facts.push({
      label: f.error,
      value: clean(
        c.error.message && c.error.message !== c.error.code ? `${c.error.code} ${c.error.message}` : c.error.code,
      ),
    });
  facts.push({ label: f.time, value: `${t.date} ${t.time} (UTC${t.offset})` });
  const secs = incidentSeconds(c);
  if (secs !== null) facts.push({ label: f.down, value: durationText(secs, c.lang) });
  const links: { label: string; url: string }[] = [];
  const log = httpUrl(c.logUrl);
  if (log) links.push({ label: f.log, url: log });
  const ack = httpUrl(c.ackUrl);
  if (ack) links.push({ label: f.ack, url: ack });
  return {
    title: `[portwatch] ${kindLabel(c.lang, c.kind)}: ${clean(c.host)}`,
    lead: kindLead(c.lang, c.kind),
    facts,
    links,
  };
}

/** Telegram sendMessage text with parse_mode HTML (only <b>, <a> are used; the rest is escaped). */
export function renderTelegram(c: AlertContent): string {
  const p = chatParts(c);
  const lines = [`<b>${escapeHtml(p.title)}</b>`, escapeHtml(p.lead), ''];
  for (const fact of p.facts) lines.push(`<b>${escapeHtml(fact.label)}</b>: ${escapeHtml(fact.value)}`);
  if (p.links.length)
    lines.push('', p.links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join(' · '));
  return lines.join('\n');
}

/** Slack mrkdwn escaping: only &, < and > are control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackMessage {
  /** Fallback text (notifications, clients without blocks). */
  text: string;
  blocks: unknown[];
}

/** A Block Kit message: header, lead, fields (host, ports, error, time, duration), link buttons. */
export function renderSlack(c: AlertContent): SlackMessage {
  const p = chatParts(c);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: p.title.slice(0, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: slackEscape(p.lead) } },
    {
      type: 'section',
      fields: p.facts
        .slice(0, 10)
        .map((f) => ({ type: 'mrkdwn', text: `*${slackEscape(f.label)}*\n${slackEscape(f.value)}` })),
    },
  ];
  if (p.links.length) {
    blocks.push({
      type: 'actions',
      elements: p.links.map((l, i) => ({
        type: 'button',
        text: { type: 'plain_text', text: l.label },
        url: l.url,
        action_id: `portwatch_link_${i}`,
        ...(i === 1 ? { style: 'primary' } : {}),
      })),
    });
  }
  const text = `${p.title} — ${p.facts.map((f) => `${f.label}: ${f.value}`).join(', ')}`;
  return { text: slackEscape(text), blocks };
}
