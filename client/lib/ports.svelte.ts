// Live port status for the monitors on screen: the query's portStatuses, overlaid with the
// monitorStatus subscription's events, plus the recent check latencies for sparklines.
import { SvelteMap } from 'svelte/reactivity';
import type { ApiClient } from './client';
import { CheckResultsDocument, MonitorStatusDocument, type MonitorStatusSubscription } from './api';
import type { PortCheck, PortStatus } from './port-status';

type Change = MonitorStatusSubscription['monitorStatus'];

const SAMPLES = 30;

export class LivePorts {
  /** key: `${monitorId}:${port}` */
  states = new SvelteMap<string, PortStatus>();
  samples = new SvelteMap<string, (number | null)[]>();

  static key(monitorId: string, port: number) {
    return `${monitorId}:${port}`;
  }

  /** The freshest view of a port: the live event when it is newer than the query's row. */
  port(monitorId: string, base: PortStatus): PortStatus {
    const live = this.states.get(LivePorts.key(monitorId, base.port));
    if (!live) return base;
    const liveAt = Date.parse(live.lastCheckAt ?? live.since);
    const baseAt = Date.parse(base.lastCheckAt ?? base.since);
    return liveAt >= baseAt ? live : base;
  }

  apply(c: Change) {
    const view: PortStatus = {
      port: c.port,
      phase: c.phase,
      since: c.since,
      lastCheckAt: c.lastCheckAt,
      lastOk: c.lastOk,
      latencyMs: c.lastLatencyMs,
      errorCode: c.lastErrorCode,
      error: c.lastErrorMessage,
      flapping: c.flapping,
      flap: c.flap,
    };
    const key = LivePorts.key(c.monitorId, c.port);
    const prev = this.states.get(key);
    this.states.set(key, view);
    if (c.lastCheckAt && c.lastCheckAt !== prev?.lastCheckAt)
      this.sample(c.monitorId, c.port, c.lastOk === false ? null : c.lastLatencyMs);
  }

  sample(monitorId: string, port: number, latencyMs: number | null) {
    const key = LivePorts.key(monitorId, port);
    const list = [...(this.samples.get(key) ?? []), latencyMs];
    this.samples.set(key, list.slice(-SAMPLES));
  }

  seed(monitorId: string, ports: readonly PortStatus[]) {
    for (const p of ports) {
      const key = LivePorts.key(monitorId, p.port);
      if (!this.samples.has(key) && p.lastCheckAt) this.samples.set(key, [p.lastOk === false ? null : p.latencyMs]);
    }
  }

  /** Follows status changes (all of the viewer's monitors, or one). Returns the stop function. */
  follow(api: ApiClient, monitorId: string | null = null): () => void {
    return api.follow(MonitorStatusDocument, { monitorId }, (d) => this.apply(d.monitorStatus));
  }

  /** Follows every check of one monitor (sparklines, detail page). */
  followChecks(api: ApiClient, monitorId: string, onCheck?: (c: PortCheck) => void): () => void {
    return api.follow(CheckResultsDocument, { monitorId }, (d) => {
      const c = d.checkResults;
      this.sample(monitorId, c.port, c.ok ? c.latencyMs : null);
      const key = LivePorts.key(monitorId, c.port);
      const prev = this.states.get(key);
      if (prev)
        this.states.set(key, {
          ...prev,
          lastCheckAt: c.at,
          lastOk: c.ok,
          latencyMs: c.latencyMs,
          errorCode: c.errorCode,
          error: c.errorMessage,
        });
      onCheck?.(c);
    });
  }
}
