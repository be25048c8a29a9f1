import type { PrismaClient } from '../db/index.ts';
import type { CustomerKind, Language, Role } from '../generated/prisma/enums.ts';
import type { Events, PortStatusEvent } from '../events/events.ts';
import type { Signals } from '../events/signals.ts';

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
  /** In-process signals to the background subsystems (monitor edits, queued notifications). */
  signals: Signals;
  /** This process's probe runtime, read-only (absent when the probe does not run here). */
  probe?: ProbeView | null;
}

/** What the API reads of the probe runtime's memory. */
export interface ProbeView {
  /** The live status of a monitor's ports (null: not probed by this process). */
  status(monitorId: string): PortStatusEvent[] | null;
  /** This process's hourly rollups of these monitors not yet flushed (statistics include the hour in memory). */
  pendingRollups(monitorIds: readonly string[]): RollupRow[];
}

/** One port's counters for one hour (the hourly rollup), as written and as kept in memory. */
export interface RollupRow {
  monitorId: string;
  port: number;
  hour: Date;
  checks: number;
  failures: number;
  latencySumMs: number;
  latencyCount: number;
  latencyMinMs: number | null;
  latencyMaxMs: number | null;
  downSeconds: number;
  flapSeconds: number;
}
