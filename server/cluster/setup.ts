// Wires this process into the cluster from configuration: its node id, its stable instance name
// (NODE_NAME, else hostname:PORT once the HTTP port is bound), the registry's heartbeat, and on
// PostgreSQL the LISTEN connection that wakes the lease rounds when shards change hands.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { createNodeRegistry, type NodeRegistry } from './nodes.ts';
import { createClusterListener, type ClusterWake } from './signal.ts';

export interface Cluster {
  nodeId: string;
  node: NodeRegistry;
  probeOptions: { nodeId: string; node: NodeRegistry; leaseTtlMs: number; leaseRenewMs: number; wake?: ClusterWake };
  dispatchNode: { nodeId: string; deadAfterMs: number };
  /** Registers the node (after the HTTP port is bound: it names the instance). */
  start(port: number): Promise<void>;
  stop(): Promise<void>;
}

export function startCluster(input: {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** Only one process can use the database (PGlite opened by this process). */
  exclusive: boolean;
  /** The relevant settings (from server/config.ts, passed in by main.ts). */
  config: {
    NODE_NAME?: string | undefined;
    PROBE_LEASE_SECONDS: number;
    PROBE_ENABLED: boolean;
    DATABASE_URL?: string | undefined;
  };
  log: Logger;
}): Cluster {
  const { config, log } = input;
  const nodeId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  let instance: string | null = config.NODE_NAME ?? null;
  const ttlMs = config.PROBE_LEASE_SECONDS * 1000;
  const renewMs = Math.max(500, Math.round(ttlMs / 3));
  const node = createNodeRegistry({
    prisma: input.prisma,
    nodeId,
    instance: () => instance,
    probing: config.PROBE_ENABLED,
    exclusive: input.exclusive,
    deadAfterMs: ttlMs,
    heartbeatMs: renewMs,
    log,
  });
  const listener =
    input.kind === 'postgres' && config.DATABASE_URL
      ? createClusterListener({ url: config.DATABASE_URL, nodeId, log })
      : null;
  return {
    nodeId,
    node,
    probeOptions: { nodeId, node, leaseTtlMs: ttlMs, leaseRenewMs: renewMs, ...(listener ? { wake: listener } : {}) },
    dispatchNode: { nodeId, deadAfterMs: ttlMs },
    async start(port) {
      instance ??= `${hostname()}:${port}`;
      await node.start();
      await listener?.start();
    },
    async stop() {
      await listener?.close();
      await node.stop();
    },
  };
}
