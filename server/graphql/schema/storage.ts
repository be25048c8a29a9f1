// Admin: the database's size per table, the retention policy and what it will free (docs/storage.md).
import { previewRetention, tableSizes, type RetentionPreview, type TableSize } from '../../services/retention/sizes.ts';
import { lastRetentionRun, type LastRun } from '../../services/retention/job.ts';
import { getRetentionPolicy, setRetentionPolicy, type RetentionPolicy } from '../../services/retention/policy.ts';
import { builder } from '../builder.ts';
import { standardErrors } from './errors.ts';

const RetentionPolicyRef = builder.objectRef<RetentionPolicy>('RetentionPolicy').implement({
  description:
    'How long detailed rows are kept. Daily rollups, incidents and the notification ledger are kept for years.',
  fields: (t) => ({
    failureRunMonths: t.exposeInt('failureRunMonths', {
      description:
        'Failure runs are removed by whole UTC months: a month goes once all of it is older than this (2–120 months; default 13).',
    }),
    hourlyRollupMonths: t.exposeInt('hourlyRollupMonths', {
      description: 'Hourly rollups older than this are folded into daily rollups per host (2–120 months; default 13).',
    }),
  }),
});

const TableSizeRef = builder.objectRef<TableSize>('TableSize').implement({
  fields: (t) => ({
    table: t.exposeString('table'),
    bytes: t.exposeFloat('bytes', { description: 'On disk: data, indexes and TOAST (pg_total_relation_size).' }),
    rows: t.exposeFloat('rows', {
      nullable: true,
      description:
        "The planner's estimate (updated by VACUUM / ANALYZE), not a count; null before the table was first analyzed.",
    }),
  }),
});

const RetentionPreviewRef = builder.objectRef<RetentionPreview>('RetentionPreview').implement({
  description: 'What the policy would remove if it ran now.',
  fields: (t) => ({
    failureRunsBefore: t.expose('failureRunsBefore', { type: 'DateTime' }),
    failureRuns: t.exposeInt('failureRuns'),
    hourlyRollupsBefore: t.expose('hourlyRollupsBefore', { type: 'DateTime' }),
    hourlyRollups: t.exposeInt('hourlyRollups'),
    bytes: t.exposeFloat('bytes', {
      description:
        "Bytes the run frees: the size of the monthly partitions it drops, plus rows deleted elsewhere × the table's average row size (space reused, not returned).",
    }),
  }),
});

const RetentionRunRef = builder.objectRef<LastRun>('RetentionRun').implement({
  fields: (t) => ({
    startedAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.startedAt) }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Null while it runs (or when it stopped early).',
      resolve: (r) => (r.finishedAt ? new Date(r.finishedAt) : null),
    }),
    failureRunsDeleted: t.int({ nullable: true, resolve: (r) => r.failureRunsDeleted ?? null }),
    hourlyRowsFolded: t.int({ nullable: true, resolve: (r) => r.hourlyRowsFolded ?? null }),
    partitionsDropped: t.int({
      nullable: true,
      description: 'Monthly partitions dropped (their files returned to the system).',
      resolve: (r) => r.partitionsDropped ?? null,
    }),
  }),
});

interface StorageReport {
  policy: RetentionPolicy;
  tables: TableSize[];
  preview: RetentionPreview;
  lastRun: LastRun | null;
}

const StorageReportRef = builder.objectRef<StorageReport>('StorageReport').implement({
  fields: (t) => ({
    policy: t.field({ type: RetentionPolicyRef, resolve: (s) => s.policy }),
    tables: t.field({ type: [TableSizeRef], description: 'Largest first.', resolve: (s) => s.tables }),
    totalBytes: t.float({ resolve: (s) => s.tables.reduce((n, x) => n + x.bytes, 0) }),
    willFree: t.field({ type: RetentionPreviewRef, resolve: (s) => s.preview }),
    lastRun: t.field({
      type: RetentionRunRef,
      nullable: true,
      description: 'The latest nightly run (at 03:00 Korea time, 18:00 UTC).',
      resolve: (s) => s.lastRun,
    }),
  }),
});

builder.queryField('storage', (t) =>
  t.field({
    type: StorageReportRef,
    authScopes: { admin: true },
    description: 'Admin: database size per table, the retention policy and what it will free.',
    resolve: async (_r, _a, ctx) => {
      const prisma = ctx.services.prisma;
      const policy = await getRetentionPolicy(prisma);
      return {
        policy,
        tables: await tableSizes(prisma),
        preview: await previewRetention(prisma, policy, ctx.services.now()),
        lastRun: await lastRetentionRun(prisma),
      };
    },
  }),
);

const RetentionPolicyInput = builder.inputType('RetentionPolicyInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({ failureRunMonths: t.int(), hourlyRollupMonths: t.int() }),
});

builder.mutationField('setRetentionPolicy', (t) =>
  t.field({
    type: RetentionPolicyRef,
    authScopes: { admin: true },
    errors: { types: standardErrors },
    description: 'Admin: changes the retention policy (applied by the next nightly run).',
    args: { input: t.arg({ type: RetentionPolicyInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      setRetentionPolicy(ctx.services.prisma, ctx.viewer, {
        ...(input.failureRunMonths != null ? { failureRunMonths: input.failureRunMonths } : {}),
        ...(input.hourlyRollupMonths != null ? { hourlyRollupMonths: input.hourlyRollupMonths } : {}),
      }),
  }),
);
