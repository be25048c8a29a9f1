// The monthly SLA report e-mail (subject, text, HTML) in Korean or English: the month's overall
// availability against the target, one line per host, the incidents (at most MAX_INCIDENTS; the
// rest are on the report page and in the attached PDF). Pure; every report string is escaped.
import { escapeHtml, type RenderedEmail } from './render.ts';
import {
  SLA_WORDS,
  type SlaTextReport,
  slaDuration,
  slaMinutes,
  slaPercent,
  slaPeriod,
  slaStatus,
  slaTime,
} from './sla-text.ts';
import type { Lang } from './types.ts';

export const MAX_MAIL_INCIDENTS = 30;
/** Host lines in the mail (the worst first); the PDF and the page have them all. */
export const MAX_MAIL_HOSTS = 50;

export interface SlaMailOptions {
  lang: Lang;
  /** The report page (PUBLIC_URL/sla?month=…). */
  reportUrl: string;
  /** Signed tracking pixel (records READ); omitted: none. */
  trackingPixelUrl?: string;
  /** A PDF of the report is attached (the text says so). */
  withPdf: boolean;
}

const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

export function renderSlaMail(r: SlaTextReport, opts: SlaMailOptions): RenderedEmail {
  const w = SLA_WORDS[opts.lang];
  const lang = opts.lang;
  const overall = slaPercent(lang, r.overall.ratio);
  const verdict = r.breached ? w.breached : r.overall.ratio === null ? w.noData : w.met;
  const subject = oneLine(
    `[portwatch] ${w.heading(r.month)}: ${overall} (${w.target} ${r.targetPercent} %, ${verdict})`,
  );
  const incidents = r.hosts.flatMap((h) => h.incidents.map((i) => ({ h, i })));
  const shown = incidents.slice(0, MAX_MAIL_INCIDENTS);
  const hostName = (h: SlaTextReport['hosts'][number]) => oneLine(h.label ? `${h.host} (${h.label})` : h.host);
  const hosts =
    r.hosts.length <= MAX_MAIL_HOSTS
      ? r.hosts
      : [...r.hosts].sort((a, b) => (a.availability.ratio ?? 2) - (b.availability.ratio ?? 2)).slice(0, MAX_MAIL_HOSTS);
  const moreHosts = r.hosts.length - hosts.length;

  const facts: [string, string][] = [
    [w.customer, oneLine(`${r.accountName} (${r.loginId})`)],
    [w.period, slaPeriod(r)],
    [w.timeZone, r.timeZone],
    [w.target, `${r.targetPercent} %`],
    [w.overall, `${overall} — ${verdict}`],
    [w.downMinutes, slaMinutes(r.overall.downSeconds)],
  ];
  const incidentLine = ({ h, i }: (typeof shown)[number]) =>
    `${slaTime(i.openedAt, r.timeZone)} – ${i.resolvedAt ? slaTime(i.resolvedAt, r.timeZone) : w.ongoing}  ${hostName(h)}  ${slaDuration(lang, i.durationSeconds)}  ${oneLine(i.cause)}${i.ports.length ? `  ${w.ports} ${i.ports.join(',')}` : ''}`;
  const text = [
    subject,
    '',
    w.lead(r.month),
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `${w.host} — ${w.availability} — ${w.downMinutes} — ${w.status}`,
    ...(hosts.length
      ? hosts.map(
          (h) =>
            `${hostName(h)} — ${slaPercent(lang, h.availability.ratio)} — ${slaMinutes(h.availability.downSeconds)} — ${slaStatus(lang, h)}`,
        )
      : [w.noHosts]),
    ...(moreHosts > 0 ? [w.moreHosts(moreHosts)] : []),
    '',
    `${w.incidents}:`,
    ...(incidents.length ? shown.map(incidentLine) : [w.noIncidents]),
    ...(incidents.length > shown.length ? [w.more(incidents.length - shown.length)] : []),
    '',
    w.definition,
    ...(opts.withPdf ? ['', w.attached] : []),
    '',
    `${w.open}: ${opts.reportUrl}`,
    '',
    `-- ${w.footer}`,
    '',
  ].join('\n');

  const e = escapeHtml;
  const cell = 'style="padding:4px 8px;border-bottom:1px solid #e5e7eb"';
  const num = 'style="padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:right"';
  const th = 'style="padding:4px 8px;text-align:left;color:#4b5563;font-weight:normal;border-bottom:1px solid #9ca3af"';
  const status = (h: { breached: boolean; availability: { ratio: number | null } }) =>
    `<span style="color:${h.breached ? '#b91c1c' : '#15803d'}">${e(slaStatus(lang, h))}</span>`;
  const hostRows = hosts
    .map(
      (h) =>
        `<tr><td ${cell}>${e(hostName(h))}</td><td ${num}>${e(slaPercent(lang, h.availability.ratio))}</td><td ${num}>${e(slaMinutes(h.availability.downSeconds))}</td><td ${cell}>${status(h)}</td></tr>`,
    )
    .join('\n');
  const incidentRows = shown
    .map(
      ({ h, i }) =>
        `<tr><td ${cell}>${e(hostName(h))}</td><td ${cell}>${e(slaTime(i.openedAt, r.timeZone))}</td><td ${cell}>${e(i.resolvedAt ? slaTime(i.resolvedAt, r.timeZone) : w.ongoing)}</td><td ${num}>${e(slaDuration(lang, i.durationSeconds))}</td><td ${cell}>${e(oneLine(i.cause))}</td><td ${cell}>${e(i.ports.join(', '))}</td></tr>`,
    )
    .join('\n');
  const pixel = opts.trackingPixelUrl
    ? `<img src="${e(opts.trackingPixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`
    : '';
  const link = /^https?:\/\//.test(opts.reportUrl)
    ? `<a href="${e(opts.reportUrl)}" style="display:inline-block;padding:8px 14px;border-radius:4px;text-decoration:none;background:#1d4ed8;color:#ffffff">${e(w.open)}</a>`
    : e(opts.reportUrl);
  const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:Arial,'Malgun Gothic',sans-serif;color:#111827;background:#ffffff">
<h1 style="font-size:18px;margin:0 0 8px;color:${r.breached ? '#b91c1c' : '#111827'}">${e(w.heading(r.month))}</h1>
<p style="margin:0 0 12px">${e(w.lead(r.month))}</p>
<table role="presentation" cellpadding="4" cellspacing="0" style="border-collapse:collapse;margin-bottom:16px">
${facts.map(([k, v]) => `<tr><th align="left" style="padding-right:12px;color:#4b5563;font-weight:normal">${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table>
${
  r.hosts.length
    ? `<table cellspacing="0" style="border-collapse:collapse;margin-bottom:16px">
<tr><th ${th}>${e(w.host)}</th><th ${th}>${e(w.availability)}</th><th ${th}>${e(w.downMinutes)}</th><th ${th}>${e(w.status)}</th></tr>
${hostRows}
</table>${moreHosts > 0 ? `<p>${e(w.moreHosts(moreHosts))}</p>` : ''}`
    : `<p>${e(w.noHosts)}</p>`
}
<h2 style="font-size:16px;margin:0 0 8px">${e(w.incidents)}</h2>
${
  incidents.length
    ? `<table cellspacing="0" style="border-collapse:collapse;margin-bottom:8px">
<tr><th ${th}>${e(w.host)}</th><th ${th}>${e(w.opened)}</th><th ${th}>${e(w.resolved)}</th><th ${th}>${e(w.duration)}</th><th ${th}>${e(w.cause)}</th><th ${th}>${e(w.ports)}</th></tr>
${incidentRows}
</table>${incidents.length > shown.length ? `<p>${e(w.more(incidents.length - shown.length))}</p>` : ''}`
    : `<p>${e(w.noIncidents)}</p>`
}
<p style="font-size:12px;color:#4b5563">${e(w.definition)}</p>
${opts.withPdf ? `<p>${e(w.attached)}</p>` : ''}
<p>${link}</p>
<p style="font-size:12px;color:#6b7280">${e(w.footer)}</p>
${pixel}
</body></html>
`;
  return { subject, text, html };
}
