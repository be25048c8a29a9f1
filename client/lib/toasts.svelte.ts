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
  incident(change: string, incidentId: string) {
    const kind = change === 'OPENED' ? 'bad' : change === 'RESOLVED' ? 'ok' : 'info';
    this.push(t(`incident.change.${change}` as MessageKey), kind, `/incidents/${encodeURIComponent(globalId('Incident', incidentId))}`);
  }
}

export const toasts = new Toasts();
