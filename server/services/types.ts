import type { PrismaClient } from '../db/index.ts';
import type { CustomerKind, Language, Role } from '../generated/prisma/enums.ts';
import type { Events, PortStatusEvent } from './events.ts';
import type { RollupRow } from './monitoring/store.ts';

/** Who is calling: resolved from a session cookie or an API token. */
export interface Viewer {
  accountId: string;
  loginId: string;
  role: Role;
  kind: CustomerKind | null;
  language: Language;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  /** When the session or token stops being valid (open sockets are closed then). */
  expiresAt?: Date | null;
  /** API tokens only: READ tokens may not run mutations. */
  scope?: 'READ' | 'READ_WRITE';
}

/** What every service function needs; built once in main.ts (and by tests). */
export interface ServiceDeps {
  prisma: PrismaClient;
  events: Events;
  now: () => Date;
  /** Secret for HMAC-signed links (tracking pixel, acknowledge); per installation. */
  secret: string;
  publicUrl: string;
  /** Called after a monitor was created, changed, paused, resumed or deleted (the probe re-reads it at once). */
  onMonitorChanged?: (monitorId: string) => void;
  /** The live status of a monitor's ports from the probe runtime's memory (null: not probed by this process). */
  probeStatus?: (monitorId: string) => PortStatusEvent[] | null;
  /** This process's hourly rollups of these monitors not yet flushed (statistics include the hour in memory). */
  probeRollups?: (monitorIds: readonly string[]) => RollupRow[];
  /** Called after notification ledger rows were queued (wakes the dispatcher). */
  onNotificationsQueued?: () => void;
}
