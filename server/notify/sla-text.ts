// The monthly SLA report's words and figures in Korean or English, shared by its e-mail
// (sla-mail.ts) and its PDF (services/sla/pdf.ts). Pure: the report's shape is declared here
// (the service's SlaReport fits it), times are formatted in the report's time zone.
import { zonedTime } from './render.ts';
import type { Lang } from './types.ts';

export interface SlaTextIncident {
  openedAt: Date;
  resolvedAt: Date | null;
  durationSeconds: number;
  cause: string;
  ports: number[];
}

export interface SlaTextFigures {
  ratio: number | null;
  downSeconds: number;
  excludedSeconds: number;
  observedSeconds: number;
}

export interface SlaTextHost {
  host: string;
  label: string | null;
  availability: SlaTextFigures;
  breached: boolean;
  incidents: SlaTextIncident[];
}

/** What the e-mail and the PDF say: the service's SlaReport has these fields. */
export interface SlaTextReport {
  accountName: string;
  loginId: string;
  month: string;
  timeZone: string;
  from: Date;
  to: Date;
  targetPercent: number;
  overall: SlaTextFigures;
  breached: boolean;
  hosts: SlaTextHost[];
}

export interface SlaWords {
  title: string;
  /** "SLA report November 2026" */
  heading(month: string): string;
  period: string;
  timeZone: string;
  customer: string;
  target: string;
  overall: string;
  host: string;
  label: string;
  availability: string;
  downMinutes: string;
  excluded: string;
  status: string;
  met: string;
  breached: string;
  noData: string;
  incidents: string;
  noIncidents: string;
  noHosts: string;
  opened: string;
  resolved: string;
  ongoing: string;
  duration: string;
  cause: string;
  ports: string;
  definition: string;
  /** The e-mail's lead sentence. */
  lead(month: string): string;
  more(n: number): string;
  moreHosts(n: number): string;
  open: string;
  attached: string;
  footer: string;
  generated: string;
}

const EN_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function monthName(lang: Lang, month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return lang === 'ko' ? `${y}년 ${m}월` : `${EN_MONTHS[m - 1] ?? month} ${y}`;
}

export const SLA_WORDS: Record<Lang, SlaWords> = {
  en: {
    title: 'SLA report',
    heading: (m) => `SLA report ${monthName('en', m)}`,
    period: 'Period',
    timeZone: 'Time zone',
    customer: 'Customer',
    target: 'Target',
    overall: 'All hosts',
    host: 'Host',
    label: 'Name',
    availability: 'Availability',
    downMinutes: 'Down (min)',
    excluded: 'Excluded',
    status: 'Status',
    met: 'met',
    breached: 'BREACHED',
    noData: 'no data',
    incidents: 'Incidents',
    noIncidents: 'No incidents this month.',
    noHosts: 'No hosts were monitored this month.',
    opened: 'Opened',
    resolved: 'Resolved',
    ongoing: 'ongoing',
    duration: 'Duration',
    cause: 'Cause',
    ports: 'Ports',
    definition:
      'Availability = (observed time − down time) ÷ observed time; down time runs from an incident’s opening to its resolution; maintenance windows and the prober’s own outages are excluded.',
    lead: (m) => `Your monthly SLA report for ${monthName('en', m)}.`,
    more: (n) => `… and ${n} more incidents (see the report page).`,
    moreHosts: (n) =>
      `… and ${n} more hosts, each at least as available as those above (see the PDF or the report page).`,
    open: 'Open the report',
    attached: 'The report is attached as a PDF.',
    footer: 'You receive this because the monthly SLA report e-mail is switched on (SLA report page).',
    generated: 'Generated',
  },
  ko: {
    title: 'SLA 보고서',
    heading: (m) => `${monthName('ko', m)} SLA 보고서`,
    period: '기간',
    timeZone: '시간대',
    customer: '고객',
    target: '목표',
    overall: '전체 호스트',
    host: '호스트',
    label: '이름',
    availability: '가용성',
    downMinutes: '장애(분)',
    excluded: '제외 시간',
    status: '상태',
    met: '달성',
    breached: '미달',
    noData: '자료 없음',
    incidents: '장애 내역',
    noIncidents: '이번 달에는 장애가 없었습니다.',
    noHosts: '이번 달에 감시한 호스트가 없습니다.',
    opened: '발생',
    resolved: '복구',
    ongoing: '진행 중',
    duration: '지속 시간',
    cause: '원인',
    ports: '포트',
    definition:
      '가용성 = (관측 시간 − 장애 시간) ÷ 관측 시간. 장애 시간은 장애 발생부터 복구까지이며, 점검 시간과 감시 서버 자체의 장애 시간은 제외합니다.',
    lead: (m) => `${monthName('ko', m)} 월간 SLA 보고서입니다.`,
    more: (n) => `… 외 장애 ${n}건 (보고서 화면에서 확인하십시오).`,
    moreHosts: (n) => `… 외 호스트 ${n}개는 위의 호스트보다 가용성이 높습니다 (PDF 또는 보고서 화면에서 확인하십시오).`,
    open: '보고서 열기',
    attached: '보고서 PDF 파일을 첨부했습니다.',
    footer: '월간 SLA 보고서 메일 수신을 켜 두셨기 때문에 보내 드리는 메일입니다 (SLA 보고서 화면).',
    generated: '작성',
  },
};

/** 99.95 % with three decimals (null: the words for "no data"). */
export function slaPercent(lang: Lang, ratio: number | null): string {
  return ratio === null ? SLA_WORDS[lang].noData : `${(ratio * 100).toFixed(3)} %`;
}

export const slaMinutes = (seconds: number): string => (seconds / 60).toFixed(1);

/** 1 h 05 min / 1시간 5분 (whole minutes; under a minute: seconds). */
export function slaDuration(lang: Lang, seconds: number): string {
  if (seconds < 60) return lang === 'ko' ? `${seconds}초` : `${seconds} s`;
  const m = Math.round(seconds / 60);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mi = m % 60;
  const parts =
    lang === 'ko'
      ? [d ? `${d}일` : '', h ? `${h}시간` : '', mi ? `${mi}분` : '']
      : [d ? `${d} d` : '', h ? `${h} h` : '', mi ? `${mi} min` : ''];
  return parts.filter(Boolean).join(' ');
}

/** 2026-11-03 14:05 in the report's zone. */
export function slaTime(at: Date, timeZone: string): string {
  const t = zonedTime(at, timeZone);
  return `${t.date} ${t.time.slice(0, 5)}`;
}

/** The month as first and last local day: 2026-11-01 – 2026-11-30. */
export function slaPeriod(r: SlaTextReport): string {
  return `${zonedTime(r.from, r.timeZone).date} – ${zonedTime(new Date(r.to.getTime() - 1), r.timeZone).date}`;
}

export function slaStatus(lang: Lang, h: { breached: boolean; availability: { ratio: number | null } }): string {
  const w = SLA_WORDS[lang];
  return h.breached ? w.breached : h.availability.ratio === null ? w.noData : w.met;
}
