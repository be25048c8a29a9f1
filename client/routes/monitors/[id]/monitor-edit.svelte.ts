// The one loader of the monitor edit and contact pages (monitors/[id]/edit, monitors/[id]/contact):
// reads the monitor fresh from the server (never a cached copy into a form), fills the form's
// values once, and saves through updateMonitor with the API's field errors at the fields.
// Construct it during component initialisation (it starts a query and an effect).
import { UpdateMonitorDocument, MonitorDetailDocument, type UpdateMonitorInput } from '$lib/api';
import type { ApiClient } from '$lib/client';
import { errorText, fieldErrors } from '$lib/errors';
import { i18n, t } from '$lib/i18n/index.svelte';
import { valuesFromMonitor, type MonitorFormValues } from '$lib/monitor-form';
import { query } from '$lib/query.svelte';

export class MonitorEdit {
  readonly detail;
  values = $state<MonitorFormValues | null>(null);
  errors = $state<Record<string, string>>({});
  busy = $state(false);

  constructor(
    private readonly api: ApiClient,
    id: () => string,
  ) {
    this.detail = query(api, MonitorDetailDocument, () => ({ id: id() }), {
      requestPolicy: 'network-only',
      refetchOnReconnect: false,
    });
    $effect(() => {
      const m = this.monitor;
      if (m && !this.values) this.values = valuesFromMonitor(m, i18n.timeZone);
    });
  }

  get monitor() {
    return this.detail.data?.monitor ?? null;
  }

  /** Saves `input` for this monitor; true when saved, else the problems are in `errors`. */
  async save(input: Omit<UpdateMonitorInput, 'monitor'>): Promise<boolean> {
    const monitor = this.monitor;
    if (!monitor) return false;
    this.errors = {};
    this.busy = true;
    const r = await this.api.urql
      .mutation(UpdateMonitorDocument, { input: { monitor: monitor.id, ...input } })
      .toPromise();
    this.busy = false;
    const res = r.data?.updateMonitor;
    if (!res) {
      this.errors = { '': errorText(r.error) ?? t('common.networkError') };
      return false;
    }
    if (res.__typename === 'MutationUpdateMonitorSuccess') return true;
    const errors = 'fields' in res ? fieldErrors(res.fields) : {};
    this.errors = Object.keys(errors).length ? errors : { '': res.message };
    return false;
  }
}
