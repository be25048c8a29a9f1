// The public status page's words in Korean and English, and which language a visitor gets:
// ?lang=ko|en, else the best of Accept-Language, else the page's own language.
import type { PublicState } from '../services/status-pages/public-view.ts';

export type StatusLang = 'ko' | 'en';

export interface StatusWords {
  state: Record<PublicState, string>;
  headline: Record<PublicState, string>;
  uptime: (days: number) => string;
  noData: string;
  openIncidents: string;
  recentIncidents: (days: number) => string;
  noIncidents: string;
  ongoing: string;
  started: string;
  resolved: string;
  duration: string;
  note: string;
  noHosts: string;
  updated: string;
  dayTitle: (day: string, ratio: string, downMinutes: number, incidents: number | null) => string;
  live: string;
  notFound: string;
  poweredBy: string;
  minutes: (m: number) => string;
}

export const STATUS_WORDS: Record<StatusLang, StatusWords> = {
  ko: {
    state: {
      OPERATIONAL: '정상',
      DEGRADED: '일부 장애',
      DOWN: '장애',
      MAINTENANCE: '점검 중',
      PAUSED: '일시 중지',
      UNKNOWN: '확인 중',
    },
    headline: {
      OPERATIONAL: '모든 서비스가 정상입니다',
      DEGRADED: '일부 서비스에 장애가 있습니다',
      DOWN: '서비스 장애가 발생했습니다',
      MAINTENANCE: '점검 중입니다',
      PAUSED: '감시가 일시 중지되었습니다',
      UNKNOWN: '상태를 확인하는 중입니다',
    },
    uptime: (d) => `최근 ${d}일 가용률`,
    noData: '자료 없음',
    openIncidents: '진행 중인 장애',
    recentIncidents: (d) => `최근 ${d}일의 장애`,
    noIncidents: '보고된 장애가 없습니다.',
    ongoing: '진행 중',
    started: '시작',
    resolved: '복구',
    duration: '지속 시간',
    note: '안내',
    noHosts: '표시할 서버가 없습니다.',
    updated: '갱신 시각',
    dayTitle: (day, ratio, m, n) => `${day} · 가용률 ${ratio} · 장애 시간 ${m}분${n === null ? '' : ` · 장애 ${n}건`}`,
    live: '실시간 갱신 중',
    notFound: '페이지를 찾을 수 없습니다',
    poweredBy: 'portwatch 상태 페이지',
    minutes: (m) => (m < 60 ? `${m}분` : `${Math.floor(m / 60)}시간 ${m % 60}분`),
  },
  en: {
    state: {
      OPERATIONAL: 'Operational',
      DEGRADED: 'Partial outage',
      DOWN: 'Down',
      MAINTENANCE: 'Maintenance',
      PAUSED: 'Paused',
      UNKNOWN: 'Checking',
    },
    headline: {
      OPERATIONAL: 'All systems operational',
      DEGRADED: 'Some systems are having problems',
      DOWN: 'Major outage',
      MAINTENANCE: 'Under maintenance',
      PAUSED: 'Monitoring is paused',
      UNKNOWN: 'Checking the status',
    },
    uptime: (d) => `Uptime, last ${d} days`,
    noData: 'no data',
    openIncidents: 'Ongoing incidents',
    recentIncidents: (d) => `Incidents in the last ${d} days`,
    noIncidents: 'No incidents reported.',
    ongoing: 'Ongoing',
    started: 'Started',
    resolved: 'Resolved',
    duration: 'Duration',
    note: 'Update',
    noHosts: 'Nothing to show yet.',
    updated: 'Updated',
    dayTitle: (day, ratio, m, n) =>
      `${day} · uptime ${ratio} · down ${m} min${n === null ? '' : ` · ${n} incident${n === 1 ? '' : 's'}`}`,
    live: 'Live',
    notFound: 'Page not found',
    poweredBy: 'portwatch status page',
    minutes: (m) => (m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`),
  },
};

/** ?lang= wins; then the first of Accept-Language's languages (by q) that is ko or en; then the page's. */
export function chooseLang(query: string | null, acceptLanguage: string | undefined, fallback: StatusLang): StatusLang {
  if (query === 'ko' || query === 'en') return query;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .slice(0, 20)
      .map((part, k) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
        return { lang: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), k };
      })
      .filter((r) => r.q > 0)
      .sort((a, b) => b.q - a.q || a.k - b.k);
    for (const r of ranked) if (r.lang === 'ko' || r.lang === 'en') return r.lang;
  }
  return fallback;
}
