// The monthly SLA report as a PDF (A4, Korean or English): the same figures as the report page
// and the CSV — per host availability against the target, down minutes, excluded time, breach
// marked, then every incident with its duration inside the month and cause. Generated here,
// without a browser or the network (pdf-writer.ts; the Korean font is the reader's standard CID
// font, not embedded).
import {
  SLA_WORDS,
  type SlaTextReport,
  slaDuration,
  slaMinutes,
  slaPercent,
  slaPeriod,
  slaStatus,
  slaTime,
} from '../../notify/sla-text.ts';
import type { Lang } from '../../notify/types.ts';
import { A4, fitText, PdfDocument, type PdfPage, type Rgb } from './pdf-writer.ts';

const MARGIN = 40;
const BOTTOM = A4.height - 50;
const RED: Rgb = [0.72, 0.11, 0.11];
const GREEN: Rgb = [0.08, 0.5, 0.24];
const GREY: Rgb = [0.35, 0.35, 0.4];
const SHADE: Rgb = [0.94, 0.95, 0.97];

interface Column {
  title: string;
  x: number;
  width: number;
  align?: 'right';
}

export function slaPdf(r: SlaTextReport, lang: Lang, generatedAt: Date): Buffer {
  const w = SLA_WORDS[lang];
  const doc = new PdfDocument({ title: `${w.heading(r.month)} - ${r.loginId}`, created: generatedAt, lang });
  let page: PdfPage = doc.addPage();
  let top = MARGIN;

  const footer = (p: PdfPage, index: number) =>
    p.text(A4.width - MARGIN, A4.height - 30, `${r.loginId} · ${r.month} · ${index}`, {
      size: 8,
      color: GREY,
      align: 'right',
    });
  const header = (cols: Column[]) => {
    page.rect(MARGIN, top - 3, A4.width - 2 * MARGIN, 16, SHADE);
    for (const c of cols)
      page.text(c.align === 'right' ? c.x + c.width : c.x, top, fitText(c.title, 8.5, c.width), {
        size: 8.5,
        color: GREY,
        ...(c.align ? { align: c.align } : {}),
      });
    top += 16;
  };
  /** Room for `h` points, else a new page (with the table's header again). */
  const room = (h: number, cols?: Column[]) => {
    if (top + h <= BOTTOM) return;
    page = doc.addPage();
    top = MARGIN;
    if (cols) header(cols);
  };
  const row = (cols: Column[], values: string[], colors: (Rgb | undefined)[] = []) => {
    room(14, cols);
    cols.forEach((c, i) => {
      const v = values[i] ?? '';
      const color = colors[i];
      page.text(c.align === 'right' ? c.x + c.width : c.x, top, fitText(v, 8.5, c.width), {
        size: 8.5,
        ...(color ? { color } : {}),
        ...(c.align ? { align: c.align } : {}),
      });
    });
    top += 12;
    page.line(MARGIN, top - 1, A4.width - MARGIN, top - 1, [0.88, 0.88, 0.9], 0.4);
    top += 2;
  };

  // title and facts
  page.text(MARGIN, top, w.heading(r.month), { size: 18 });
  top += 30;
  const facts: [string, string][] = [
    [w.customer, `${r.accountName} (${r.loginId})`],
    [w.period, `${slaPeriod(r)}  (${w.timeZone}: ${r.timeZone})`],
    [w.target, `${r.targetPercent} %`],
    [
      w.overall,
      `${slaPercent(lang, r.overall.ratio)} — ${r.breached ? w.breached : r.overall.ratio === null ? w.noData : w.met}`,
    ],
    [w.downMinutes, slaMinutes(r.overall.downSeconds)],
    [w.excluded, slaDuration(lang, r.overall.excludedSeconds)],
  ];
  for (const [k, v] of facts) {
    page.text(MARGIN, top, k, { size: 10, color: GREY });
    page.text(MARGIN + 110, top, fitText(v, 10, A4.width - 2 * MARGIN - 110), {
      size: 10,
      ...(k === w.overall ? { color: r.breached ? RED : GREEN } : {}),
    });
    top += 15;
  }
  top += 10;

  // hosts
  const hostCols: Column[] = [
    { title: w.host, x: MARGIN, width: 120 },
    { title: w.label, x: MARGIN + 125, width: 115 },
    { title: w.availability, x: MARGIN + 245, width: 70, align: 'right' },
    { title: w.downMinutes, x: MARGIN + 320, width: 55, align: 'right' },
    { title: w.excluded, x: MARGIN + 380, width: 70, align: 'right' },
    { title: w.status, x: MARGIN + 460, width: 55 },
  ];
  if (r.hosts.length === 0) {
    page.text(MARGIN, top, w.noHosts, { size: 10 });
    top += 18;
  } else {
    header(hostCols);
    for (const h of r.hosts)
      row(
        hostCols,
        [
          h.host,
          h.label ?? '',
          slaPercent(lang, h.availability.ratio),
          slaMinutes(h.availability.downSeconds),
          slaDuration(lang, h.availability.excludedSeconds),
          slaStatus(lang, h),
        ],
        [undefined, undefined, undefined, undefined, undefined, h.breached ? RED : GREEN],
      );
  }
  top += 14;

  // incidents
  room(50);
  page.text(MARGIN, top, w.incidents, { size: 13 });
  top += 20;
  const incCols: Column[] = [
    { title: w.host, x: MARGIN, width: 95 },
    { title: w.opened, x: MARGIN + 98, width: 72 },
    { title: w.resolved, x: MARGIN + 173, width: 72 },
    { title: w.duration, x: MARGIN + 248, width: 68, align: 'right' },
    { title: w.cause, x: MARGIN + 324, width: 140 },
    { title: w.ports, x: MARGIN + 468, width: 47 },
  ];
  const incidents = r.hosts.flatMap((h) => h.incidents.map((i) => ({ h, i })));
  if (incidents.length === 0) {
    page.text(MARGIN, top, w.noIncidents, { size: 10 });
    top += 18;
  } else {
    header(incCols);
    for (const { h, i } of incidents)
      row(incCols, [
        h.host,
        slaTime(i.openedAt, r.timeZone),
        i.resolvedAt ? slaTime(i.resolvedAt, r.timeZone) : w.ongoing,
        slaDuration(lang, i.durationSeconds),
        i.cause,
        i.ports.join(','),
      ]);
  }
  top += 14;

  // the definition, wrapped by characters
  room(40);
  const words = [...w.definition];
  let line = '';
  const lines: string[] = [];
  for (const ch of words) {
    if (fitText(line + ch, 8, A4.width - 2 * MARGIN) !== line + ch) {
      lines.push(line);
      line = ch.trimStart();
    } else line += ch;
  }
  if (line) lines.push(line);
  for (const l of lines) {
    room(12);
    page.text(MARGIN, top, l, { size: 8, color: GREY });
    top += 11;
  }
  page.text(MARGIN, top + 4, `${w.generated}: ${slaTime(generatedAt, r.timeZone)} (${r.timeZone})`, {
    size: 8,
    color: GREY,
  });

  for (const [i, p] of doc.pages.entries()) footer(p, i + 1);
  return doc.finish();
}
