// The public status page as plain HTML and CSS (works without JavaScript). Every text that
// came from a customer or the database is escaped here; nothing else reaches the page. The one
// inline script (live updates over SSE) is constant, so the CSP allows it by its hash.
import { createHash } from 'node:crypto';
import type { PublicPage, PublicState } from '../services/status-pages/public-view.ts';
import { STRIP_DAYS, RECENT_DAYS } from '../services/status-pages/public-view.ts';
import { STATUS_WORDS, type StatusLang, type StatusWords } from './status-i18n.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const CSS = `*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;background:#f6f7f9;color:#1d2330}
main{max-width:860px;margin:0 auto;padding:24px 16px}h1{font-size:26px;margin:8px 0}h2{font-size:18px;margin:28px 0 10px}
.desc{color:#4a5263;white-space:pre-line}.banner{border-radius:8px;padding:14px 18px;font-weight:600;color:#fff;margin:16px 0}
.s-OPERATIONAL{background:#1f9d55}.s-DEGRADED{background:#d97706}.s-DOWN{background:#dc2626}.s-MAINTENANCE{background:#2563eb}.s-PAUSED,.s-UNKNOWN{background:#6b7280}
.items{list-style:none;padding:0;margin:0}.item{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:12px 16px;margin:10px 0}
.row{display:flex;justify-content:space-between;gap:12px;flex-wrap:wrap}.label{font-weight:600}.addr{color:#6b7280;font-size:13px;font-family:ui-monospace,monospace}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:13px;color:#fff}.uptime{color:#4a5263;font-size:13px}
.strip{display:flex;gap:1px;height:28px;margin-top:8px}.bar{flex:1;border-radius:2px;background:#d1d5db}
.r-full{background:#1f9d55}.r-high{background:#84cc16}.r-mid{background:#f59e0b}.r-low{background:#dc2626}
.incident{background:#fff;border-left:4px solid #dc2626;border-radius:6px;padding:10px 14px;margin:8px 0}.incident.done{border-left-color:#9ca3af}
.note{margin-top:6px;white-space:pre-line}.meta{color:#6b7280;font-size:13px}footer{color:#6b7280;font-size:12px;margin-top:32px}
@media (prefers-color-scheme:dark){body{background:#111318;color:#e5e7eb}.item,.incident{background:#1a1d24;border-color:#2a2f3a}.desc,.uptime{color:#a1a8b6}}`;

/** Reads data-events from #status and swaps in the fragments the server sends (no other behaviour). */
// Live fragments leave out the 90-day strips (the bulk of the page, which a status change does
// not alter until the day's figures are re-read): each placeholder takes the strip already shown.
const SCRIPT = `(function(){var m=document.getElementById("status");if(!m||!window.EventSource)return;var es=new EventSource(m.getAttribute("data-events"));es.addEventListener("update",function(e){try{var d=JSON.parse(e.data),old={};m.querySelectorAll(".strip[id]").forEach(function(s){old[s.id]=s});m.innerHTML=d.html;m.querySelectorAll(".strip[data-keep]").forEach(function(p){var o=old[p.getAttribute("data-keep")];if(o)p.replaceWith(o)});document.title=d.title;m.setAttribute("data-state",d.state)}catch(x){}});})();`;

export const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT, 'utf8').digest('base64')}'`;
const CSS_HASH = `'sha256-${createHash('sha256').update(CSS, 'utf8').digest('base64')}'`;

/** The status page's policy: its own style and script (by hash), its event stream and badges on this origin. */
export const STATUS_CSP = [
  "default-src 'none'",
  `style-src ${CSS_HASH}`,
  `script-src ${SCRIPT_HASH}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function ratioClass(r: number | null): string {
  if (r === null) return '';
  if (r >= 0.9999) return 'r-full';
  if (r >= 0.99) return 'r-high';
  if (r >= 0.95) return 'r-mid';
  return 'r-low';
}

/** 99.95 → "99.95%"; floors, so 99.999 never shows as 100 %. */
export function percent(r: number | null, words: StatusWords): string {
  if (r === null) return words.noData;
  const v = Math.floor(r * 10000) / 100;
  return `${v.toFixed(2)}%`;
}

// Intl formatters are costly to build: one per language and time zone, kept
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatTime(d: Date, lang: StatusLang, timeZone: string): string {
  const key = `${lang} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(key, f);
  }
  return f.format(d);
}

const pill = (state: PublicState, words: StatusWords) =>
  `<span class="pill s-${state}">${escapeHtml(words.state[state])}</span>`;

/** The part of the page that live updates replace (inside <main id="status">). */
export function renderFragment(view: PublicPage, lang: StatusLang, opts: { strips?: boolean } = {}): string {
  const w = STATUS_WORDS[lang];
  const out: string[] = [];
  out.push(`<h1>${escapeHtml(view.title)}</h1>`);
  if (view.description) out.push(`<p class="desc">${escapeHtml(view.description)}</p>`);
  out.push(`<div class="banner s-${view.state}" role="status">${escapeHtml(w.headline[view.state])}</div>`);
  if (view.items.length === 0) out.push(`<p>${escapeHtml(w.noHosts)}</p>`);
  out.push('<ul class="items">');
  for (const item of view.items) {
    out.push(`<li class="item" id="item-${escapeHtml(item.id)}" data-state="${item.state}"><div class="row"><div>`);
    out.push(`<div class="label">${escapeHtml(item.label)}</div>`);
    if (item.address) out.push(`<div class="addr">${escapeHtml(item.address)}</div>`);
    out.push(`</div><div>${pill(item.state, w)}</div></div>`);
    out.push(
      `<div class="uptime">${escapeHtml(w.uptime(STRIP_DAYS))}: <strong>${escapeHtml(percent(item.uptime, w))}</strong></div>`,
    );
    const stripId = `strip-${escapeHtml(item.id)}`;
    if (item.bars.length && opts.strips === false) out.push(`<div class="strip" data-keep="${stripId}"></div>`);
    else if (item.bars.length) {
      out.push(`<div class="strip" id="${stripId}">`);
      for (const b of item.bars) {
        const title = w.dayTitle(b.day, percent(b.ratio, w), Math.round(b.downSeconds / 60), b.incidents);
        out.push(`<span class="bar ${ratioClass(b.ratio)}" title="${escapeHtml(title)}"></span>`);
      }
      out.push('</div>');
    }
    out.push('</li>');
  }
  out.push('</ul>');
  const open = view.incidents.filter((i) => i.resolvedAt === null);
  const done = view.incidents.filter((i) => i.resolvedAt !== null);
  const incident = (i: PublicPage['incidents'][number]) => {
    const end = i.resolvedAt ?? view.generatedAt;
    const minutes = Math.max(0, Math.round((end.getTime() - i.openedAt.getTime()) / 60_000));
    const parts = [
      `<div class="incident${i.resolvedAt ? ' done' : ''}"><div class="label">${escapeHtml(i.items.join(', '))}</div>`,
      `<div class="meta">${escapeHtml(w.started)} ${escapeHtml(formatTime(i.openedAt, lang, view.timeZone))}`,
      i.resolvedAt
        ? ` · ${escapeHtml(w.resolved)} ${escapeHtml(formatTime(i.resolvedAt, lang, view.timeZone))}`
        : ` · ${escapeHtml(w.ongoing)}`,
      ` · ${escapeHtml(w.duration)} ${escapeHtml(w.minutes(minutes))}</div>`,
    ];
    if (i.note) parts.push(`<div class="note"><strong>${escapeHtml(w.note)}:</strong> ${escapeHtml(i.note)}</div>`);
    parts.push('</div>');
    return parts.join('');
  };
  if (open.length) {
    out.push(`<h2>${escapeHtml(w.openIncidents)}</h2>`);
    for (const i of open) out.push(incident(i));
  }
  out.push(`<h2>${escapeHtml(w.recentIncidents(RECENT_DAYS))}</h2>`);
  if (done.length) for (const i of done) out.push(incident(i));
  else out.push(`<p class="meta">${escapeHtml(w.noIncidents)}</p>`);
  out.push(
    `<footer>${escapeHtml(w.updated)} ${escapeHtml(formatTime(view.generatedAt, lang, view.timeZone))} · ${escapeHtml(w.poweredBy)}</footer>`,
  );
  return out.join('');
}

export const pageTitle = (view: PublicPage, lang: StatusLang): string =>
  `${view.title} — ${STATUS_WORDS[lang].state[view.state]}`;

export function renderPage(view: PublicPage, lang: StatusLang): string {
  const events = `/status/${encodeURIComponent(view.slug)}/events?lang=${lang}`;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(pageTitle(view, lang))}</title><style>${CSS}</style></head><body><main id="status" data-state="${view.state}" data-events="${escapeHtml(events)}">${renderFragment(view, lang)}</main><script>${SCRIPT}</script></body></html>`;
}

/** One answer for every page that is not there: unknown slug, unpublished page, unknown badge. */
export const NOT_FOUND_HTML = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>404</title></head><body><h1>404</h1><p>${escapeHtml(STATUS_WORDS.ko.notFound)} · ${escapeHtml(STATUS_WORDS.en.notFound)}</p></body></html>`;
