// Short live notices (incident opened / resolved…), announced to screen readers.
import { t } from './i18n/index.svelte';
import { globalId } from './ids';
import type { MessageKey } from './i18n/en';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'ok' | 'bad' | 'warn';
  href?: string;
}

class Toasts {
  list = $state<Toast[]>([]);
  #next = 1;

  push(text: string, kind: Toast['kind'] = 'info', href?: string, ms = 6_000) {
    const id = this.#next++;
    this.list = [...this.list.slice(-4), { id, text, kind, ...(href ? { href } : {}) }];
    setTimeout(() => this.dismiss(id), ms);
  }
  dismiss(id: number) {
    this.list = this.list.filter((x) => x.id !== id);
  }
  /** Names the host and ports; an incident closed without recovery never reads "answers again". */
  incident(
    change: string,
    incidentId: string,
    incident?: { host: string | null; ports: number[]; closeReason?: string | null } | null,
  ) {
    const href = `/incidents/${encodeURIComponent(globalId('Incident', incidentId))}`;
    if (!incident?.host) {
      const kind = change === 'OPENED' ? 'bad' : change === 'RESOLVED' && !incident?.closeReason ? 'ok' : 'info';
      this.push(t(`incident.change.${change}` as MessageKey), kind, href);
      return;
    }
    const params = { host: incident.host, ports: incident.ports.join(', ') };
    const closed = change === 'RESOLVED' && incident.closeReason && incident.closeReason !== 'RECOVERED';
    if (closed)
      this.push(
        t('incident.toast.CLOSED', {
          ...params,
          reason: t(`incident.closeReason.${incident.closeReason}` as MessageKey),
        }),
        'warn',
        href,
      );
    else
      this.push(
        t(`incident.toast.${change}` as MessageKey, params),
        change === 'OPENED' ? 'bad' : change === 'RESOLVED' ? 'ok' : 'info',
        href,
      );
  }
}

export const toasts = new Toasts();
