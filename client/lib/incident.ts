// What an incident's badge and duration say. Pure helpers shared by the feed, the incident
// page and the toasts: an incident closed for another reason than recovery never reads
// "resolved"; an open incident's duration keeps ticking on the client's clock.
import type { MessageKey } from './i18n/en';

export interface IncidentLike {
  open: boolean;
  openedAt: string;
  resolvedAt?: string | null;
  closeReason?: string | null;
  durationSeconds: number;
}

export type IncidentBadge = { cls: 'b-down' | 'b-up' | 'b-idle'; label: MessageKey; reason: MessageKey | null };

export function incidentBadge(i: Pick<IncidentLike, 'open' | 'closeReason'>): IncidentBadge {
  if (i.open) return { cls: 'b-down', label: 'incident.open', reason: null };
  if (!i.closeReason || i.closeReason === 'RECOVERED')
    return { cls: 'b-up', label: 'incident.resolved', reason: i.closeReason ? 'incident.closeReason.RECOVERED' : null };
  return { cls: 'b-idle', label: 'incident.closed', reason: `incident.closeReason.${i.closeReason}` as MessageKey };
}

/** Seconds from opening to closing, or to `nowMs` while open (ticks with the page's clock). */
export function incidentSeconds(i: IncidentLike, nowMs: number): number {
  if (!i.open) return i.durationSeconds;
  return Math.max(i.durationSeconds, Math.round((nowMs - Date.parse(i.openedAt)) / 1000));
}
