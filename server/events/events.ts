// Typed pubsub topics, the one place they are defined. Tenant-scoped topics are published
// twice: under the owner's account id and under ADMIN_SCOPE (admins see everything).
// Publish only after the write that the event describes has committed.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';
import { LiveHub, type HubTarget } from './live-hub.ts';

export const ADMIN_SCOPE = '*admin*';

export interface PortStatusEvent {
  monitorId: string;
  accountId: string;
  host: string;
  port: number;
  phase: string;
  since: Date;
  lastCheckAt: Date | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** The port went DOWN while the prober's guard holds customer alerts (not announced yet). */
  alertsHeld?: boolean;
  /** The flapping rule's view of the port (absent: not flapping, no window yet). */
  flap?: PortFlapStatus;
}

/** A port's flap window: FLAPPING or not, since when, and its figures. */
export interface PortFlapStatus {
  flapping: boolean;
  flappingSince: Date | null;
  checks: number;
  failed: number;
  changes: number;
  window: number;
}

export interface CheckEvent {
  monitorId: string;
  port: number;
  at: Date;
  ok: boolean;
  latencyMs: number;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface IncidentEvent {
  incidentId: string;
  accountId: string | null;
  change: 'OPENED' | 'UPDATED' | 'ACKNOWLEDGED' | 'RESOLVED';
}

export interface NotificationChangeEvent {
  notificationId: string;
  incidentId: string;
  accountId: string | null;
  status: string;
}

export interface ApprovalRequestEvent {
  requestId: string;
  accountId: string;
  change: 'CREATED' | 'SEEN' | 'APPROVED' | 'REJECTED';
}

/** A credential stopped being valid: every socket and stream opened with it must end (all processes). */
export interface CredentialRevokedEvent {
  kind: 'session' | 'token' | 'account';
  /** Session id (sha256), API token id or account id. */
  id: string;
  reason: 'logout' | 'revoked' | 'disabled' | 'expired' | 'password';
}

export const CREDENTIAL_SCOPE = 'all';

/** Admin settings the probe keeps in memory changed (admin alert recipients, monitor defaults). */
export interface SettingsChangedEvent {
  what: 'adminRecipients' | 'monitorDefaults';
}

/** A status page or what it shows changed (page edited, items chosen, a public note written). */
export interface StatusPageChangedEvent {
  pageId: string | null;
  /** Set when a public note changed: every page showing this incident changes. */
  incidentId?: string;
  /** The incident's monitor, when the publisher knows it (the watcher then reads nothing). */
  monitorId?: string;
}

export type StatusPageHandler = (e: StatusPageChangedEvent) => void;

export const STATUS_PAGE_SCOPE = 'all';

export type Topics = {
  credentialRevoked: [scope: string, payload: CredentialRevokedEvent];
  portStatus: [scope: string, payload: PortStatusEvent];
  checkResult: [monitorId: string, payload: CheckEvent];
  incident: [scope: string, payload: IncidentEvent];
  notification: [scope: string, payload: NotificationChangeEvent];
  approvalRequest: [scope: string, payload: ApprovalRequestEvent];
  /** `origin`: the Events instance that published it (its own handlers ran directly). */
  statusPage: [scope: string, payload: StatusPageChangedEvent & { origin: string }];
  /** `origin`: the Events instance that published it (its own handlers ran directly). */
  settingsChanged: [payload: SettingsChangedEvent & { origin: string }];
};

export type SettingsHandler = (e: SettingsChangedEvent) => Promise<void> | void;

export type EventPubSub = PubSub<Topics>;

export interface Events {
  pubsub: EventPubSub;
  /**
   * Subscribers' streams of a tenant-scoped topic, one listener per topic and scope (live-hub.ts):
   * what GraphQL subscriptions listen on, so a broadcast is one loop, not a Repeater per subscriber.
   */
  live: LiveHub;
  portStatus(e: PortStatusEvent): void;
  checkResult(e: CheckEvent): void;
  /**
   * Whether a check result of this monitor has anyone to go to: always with a shared (Redis) target
   * (other processes may listen), else only while a stream of this process listens. The probe asks
   * before it builds the event: at thousands of checks a second, most have no listener.
   */
  wantsCheckResult(monitorId: string): boolean;
  incident(e: IncidentEvent): void;
  notification(e: NotificationChangeEvent): void;
  approvalRequest(e: ApprovalRequestEvent): void;
  credentialRevoked(e: CredentialRevokedEvent): void;
  /**
   * After the change has committed: runs this process's handlers at once (the public page's cache
   * is dropped before the mutation answers) and fans the event out to the other processes.
   */
  statusPageChanged(e: StatusPageChangedEvent): void;
  /** Runs `fn` for status page changes made here (directly) and in other processes. Returns a stop function. */
  onStatusPageChanged(fn: StatusPageHandler): () => void;
  /**
   * After the change has committed: runs this process's handlers (awaited, so the change is in
   * force here when the mutation answers) and fans the event out to the other processes.
   */
  settingsChanged(e: SettingsChangedEvent): Promise<void>;
  /** Runs `fn` for settings changes made here (directly) and in other processes (fan-out). Returns a stop function. */
  onSettingsChanged(fn: SettingsHandler): () => void;
}

// The event target's own type parameter is loose; Redis and in-memory targets both fit.
type AnyEventTarget = TypedEventTarget<CustomEvent>;

export function createEvents(eventTarget?: AnyEventTarget): Events {
  // in memory: one EventTarget, without Node's "possible leak" warning past 10 listeners (every
  // subscriber of an account listens on its topic; thousands are normal)
  const local = new EventTarget();
  setMaxListeners(0, local);
  const target = eventTarget ?? (local as AnyEventTarget);
  const pubsub = createPubSub<Topics>({ eventTarget: target });
  const live = new LiveHub(target as unknown as HubTarget);
  const scoped = <K extends 'portStatus' | 'incident' | 'notification' | 'approvalRequest'>(
    topic: K,
    accountId: string | null,
    payload: Topics[K][1],
  ) => {
    if (accountId) (pubsub.publish as (t: K, s: string, p: Topics[K][1]) => void)(topic, accountId, payload);
    (pubsub.publish as (t: K, s: string, p: Topics[K][1]) => void)(topic, ADMIN_SCOPE, payload);
  };
  const origin = randomUUID();
  const handlers = new Set<SettingsHandler>();
  const pageHandlers = new Set<StatusPageHandler>();
  /**
   * `fn` joins `here` (the handlers the publishing call runs itself, in this process) and hears the
   * other processes' events of `topic` through the fan-out as `remote` (this instance's own are
   * left out: they ran directly). Returns a stop function.
   */
  const hereAndElsewhere = <H, E extends { origin: string }>(
    here: Set<H>,
    fn: H,
    topic: string,
    scope: string | null,
    remote: (e: E) => void,
  ): (() => void) => {
    here.add(fn);
    const unlisten = live.listen<E>(topic, scope, (e) => {
      if (e.origin !== origin) remote(e);
    });
    return () => {
      here.delete(fn);
      unlisten();
    };
  };
  return {
    pubsub,
    live,
    async settingsChanged(e) {
      pubsub.publish('settingsChanged', { ...e, origin });
      await Promise.all([...handlers].map((h) => h(e)));
    },
    onSettingsChanged(fn) {
      // other processes' changes, one after the other in their order; one failure ends nothing
      let chain: Promise<void> = Promise.resolve();
      return hereAndElsewhere<SettingsHandler, Topics['settingsChanged'][0]>(
        handlers,
        fn,
        'settingsChanged',
        null,
        (e) => {
          chain = chain.then(() => fn({ what: e.what })).catch(() => {});
        },
      );
    },
    portStatus: (e) => scoped('portStatus', e.accountId, e),
    checkResult: (e) => pubsub.publish('checkResult', e.monitorId, e),
    wantsCheckResult: (monitorId) => eventTarget !== undefined || live.listeners('checkResult', monitorId) > 0,
    incident: (e) => scoped('incident', e.accountId, e),
    notification: (e) => scoped('notification', e.accountId, e),
    approvalRequest: (e) => scoped('approvalRequest', e.accountId, e),
    credentialRevoked: (e) => pubsub.publish('credentialRevoked', CREDENTIAL_SCOPE, e),
    statusPageChanged(e) {
      for (const h of pageHandlers) {
        try {
          h(e);
        } catch {
          // one handler's failure must not keep the others from the change
        }
      }
      pubsub.publish('statusPage', STATUS_PAGE_SCOPE, { ...e, origin });
    },
    onStatusPageChanged(fn) {
      return hereAndElsewhere<StatusPageHandler, Topics['statusPage'][1]>(
        pageHandlers,
        fn,
        'statusPage',
        STATUS_PAGE_SCOPE,
        ({ origin: _from, ...e }) => fn(e),
      );
    },
  };
}
