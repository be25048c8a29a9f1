// The SVG badge of one host on a status page (for embedding in a README or a web site): the
// host's label on the left, its state and uptime on the right. Text is escaped for XML; widths
// are estimated (no font metrics on the server), wide for Hangul.
import type { PublicItem } from '../services/status-pages/public-view.ts';
import { escapeHtml, percent } from './status-html.ts';
import { STATUS_WORDS, type StatusLang } from './status-i18n.ts';

const COLOURS: Record<PublicItem['state'], string> = {
  OPERATIONAL: '#1f9d55',
  DEGRADED: '#d97706',
  DOWN: '#dc2626',
  MAINTENANCE: '#2563eb',
  PAUSED: '#6b7280',
  UNKNOWN: '#6b7280',
};

const MAX_LABEL = 40;

function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 12 : 7;
  return w;
}

export function renderBadge(item: PublicItem, lang: StatusLang): string {
  const w = STATUS_WORDS[lang];
  const chars = [...item.label];
  const label = chars.length > MAX_LABEL ? `${chars.slice(0, MAX_LABEL - 1).join('')}…` : item.label;
  const value = `${w.state[item.state]} · ${percent(item.uptime, w)}`;
  const lw = textWidth(label) + 12;
  const vw = textWidth(value) + 12;
  const total = lw + vw;
  const l = escapeHtml(label);
  const v = escapeHtml(value);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${COLOURS[item.state]}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="6" y="14">${l}</text><text x="${lw + 6}" y="14">${v}</text></g></svg>`;
}
