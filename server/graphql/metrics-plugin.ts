// GraphQL operation timings for /metrics: a histogram of execution time by operation TYPE
// (query, mutation, subscription set-up), never by name (names are client-chosen: unbounded),
// plus counts of operations rejected at parse or validation (syntax, limits) and of live
// subscriptions. Runs on HTTP and WebSocket alike (both go through Yoga's enveloped execute; the
// WebSocket's subscriptions report through `subscriptions`).
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
export const OPERATION_TYPES = ['query', 'mutation', 'subscription'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export interface HistogramSnapshot {
  /** Cumulative counts per bucket of DURATION_BUCKETS, then +Inf. */
  buckets: number[];
  count: number;
  sum: number;
}

/**
 * The same counts for subscriptions that do not go through Yoga's enveloped subscribe (the
 * WebSocket transport's own loop, graphql/ws-subscribe.ts).
 */
export interface SubscriptionTimings {
  /** A subscription was set up in `seconds`: a stream (now active) or a result with or without errors. */
  started(seconds: number, outcome: 'stream' | 'errors' | 'result'): void;
  /** An active one ended (once per stream). */
  ended(): void;
}

export interface GraphqlTimings {
  plugin: Plugin;
  subscriptions: SubscriptionTimings;
  snapshot(): {
    duration: Record<OperationType, HistogramSnapshot>;
    /** Executions whose result carried errors (expected errors in the schema are data, not counted). */
    errors: Record<OperationType, number>;
    rejected: { parse: number; validate: number };
    subscriptionsActive: number;
  };
}

class Histogram {
  private counts = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);
  private n = 0;
  private total = 0;
  observe(seconds: number) {
    let i = DURATION_BUCKETS.findIndex((b) => seconds <= b);
    if (i < 0) i = DURATION_BUCKETS.length;
    this.counts[i]! += 1;
    this.n += 1;
    this.total += seconds;
  }
  snapshot(): HistogramSnapshot {
    let acc = 0;
    return { buckets: this.counts.map((c) => (acc += c)), count: this.n, sum: this.total };
  }
}

function operationType(document: DocumentNode, name: string | null | undefined): OperationType | null {
  const op = getOperationAST(document, name ?? undefined)?.operation;
  return op && (OPERATION_TYPES as readonly string[]).includes(op) ? op : null;
}

export function createGraphqlTimings(): GraphqlTimings {
  const duration = { query: new Histogram(), mutation: new Histogram(), subscription: new Histogram() };
  const errors: Record<OperationType, number> = { query: 0, mutation: 0, subscription: 0 };
  const rejected = { parse: 0, validate: 0 };
  let subscriptionsActive = 0;

  const plugin: Plugin = {
    onParse() {
      return ({ result }) => {
        if (result instanceof Error) rejected.parse += 1;
      };
    },
    onValidate() {
      return ({ valid }) => {
        if (!valid) rejected.validate += 1;
      };
    },
    onExecute({ args }) {
      const type = operationType(args.document, args.operationName);
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          if (!type) return;
          duration[type].observe((performance.now() - started) / 1000);
          if ('errors' in result && result.errors?.length) errors[type] += 1;
        },
      };
    },
    onSubscribe() {
      const started = performance.now();
      return {
        onSubscribeResult({ result }) {
          duration.subscription.observe((performance.now() - started) / 1000);
          if (!(Symbol.asyncIterator in result)) {
            if (result.errors?.length) errors.subscription += 1;
            return;
          }
          subscriptionsActive += 1;
          let ended = false;
          return {
            onEnd() {
              if (ended) return;
              ended = true;
              subscriptionsActive -= 1;
            },
          };
        },
      };
    },
  };

  return {
    plugin,
    subscriptions: {
      started(seconds, outcome) {
        duration.subscription.observe(seconds);
        if (outcome === 'stream') subscriptionsActive += 1;
        else if (outcome === 'errors') errors.subscription += 1;
      },
      ended() {
        subscriptionsActive -= 1;
      },
    },
    snapshot: () => ({
      duration: {
        query: duration.query.snapshot(),
        mutation: duration.mutation.snapshot(),
        subscription: duration.subscription.snapshot(),
      },
      errors: { ...errors },
      rejected: { ...rejected },
      subscriptionsActive,
    }),
  };
}
