import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from './types.ts';

type Tx = Pick<Prisma.TransactionClient, 'auditLog'>;

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Prisma.InputJsonValue;
}

/** Records an admin (or system) action; call inside the transaction that does the change. */
export function recordAudit(tx: Tx, actor: Viewer | null, entry: AuditEntry) {
  return tx.auditLog.create({
    data: {
      actorId: actor?.accountId ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
    },
  });
}
