// Live connection state, shown by the connection indicator. One instance per page load.
export type Transport = 'ws' | 'sse';
export type LinkStatus = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'offline';

class Live {
  transport = $state<Transport>('ws');
  status = $state<LinkStatus>('idle');
  /** Bumped on every reconnection: pages refetch what they may have missed meanwhile. */
  epoch = $state(0);
  /** Time of the last live event received. */
  lastEventAt = $state<Date | null>(null);
  /** Number of live streams currently open. */
  streams = $state(0);
  retryAt = $state<Date | null>(null);
}

export const live = new Live();
