// The graphql-transport-ws `subscribe` message, run by portwatch instead of graphql-ws: at 10,000
// idle dashboards the per-operation state of graphql-ws (a suspended for-await with the message,
// its emitters) and of envelop's subscribe (mapped iterators, hook lists, closures per operation)
// was most of what each subscriber cost. graphql-ws still does everything else on the socket
// (connection_init, ping/pong, the client's `complete`, the close), and sees each running
// operation in its ctx.subscriptions as it sees its own: an object whose return() ends it.
//
// The protocol is graphql-ws's own, message for message: an operation's answer is `next`
// messages then `complete`, or `error`; a client's `complete` or a closed socket ends it at once
// and nothing more is sent for it; a slow reader holds its own operation back (the next result
// waits until the socket has written the previous one). Messages are made by graphql-ws's
// parseMessage/stringifyMessage, `next` with the result's JSON made once per result object
// (ws-shared-json.ts).
//
// A subscription is set up here with what envelop's subscribe ran for it: the edge's input check
// (edge.ts), the shared, direct event delivery (shared-events.ts), the /metrics counts, and
// Yoga's error masking of what is sent; queries and mutations still run through Yoga's enveloped
// execute.
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import {
  MessageType,
  parseMessage,
  stringifyMessage,
  type Context,
  type SubscribeMessage,
  type SubscribePayload,
} from 'graphql-ws';
import type { WebSocket } from 'ws';
import { codedError, codedResult, subscriptionRefusal } from './edge.ts';
import type { SubscriptionTimings } from './metrics-plugin.ts';
import { sharedSubscribe } from './shared-events.ts';
import { sendText } from './ws-glue.ts';
import { nextMessage } from './ws-shared-json.ts';

/** graphql-ws's per-socket state, with the socket in its extra. */
export type WsContext = Context<Record<string, unknown> | undefined, { socket: WebSocket }>;

/** An operation ready to run: its arguments, and Yoga's enveloped execute for a query or mutation. */
export interface Prepared {
  args: ExecutionArgs;
  execute(args: ExecutionArgs): unknown;
}

export interface WsOperationsOptions<C extends WsContext> {
  /** The operation, or the errors that answer it (limits, credential, parse, validation). */
  prepare(ctx: C, id: string, payload: SubscribePayload): Promise<Prepared | readonly GraphQLError[]>;
  /** Yoga's maskError (yoga.ts errorMasker) and the message it gives an unexpected error. */
  maskError(error: unknown, message: string): Error;
  maskedMessage: string;
  production: boolean;
  /** A failure of the transport itself: the socket is closed 1011 (ws-glue.ts). */
  internal(socket: WebSocket, err: unknown): void;
  timings?: SubscriptionTimings | undefined;
}

/** The longest operation id taken (graphql-ws sets none; clients use short counters or uuids). */
export const MAX_ID_LENGTH = 256;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function isAsyncIterable(v: unknown): v is AsyncIterable<ExecutionResult> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

const isErrors = (v: Prepared | readonly GraphQLError[]): v is readonly GraphQLError[] => Array.isArray(v);

/** An operation's results before it has any (while it is set up): none. */
const NO_RESULTS: AsyncIterator<ExecutionResult> = Object.freeze({ next: () => Promise.resolve(DONE) });

/**
 * One operation of a socket, under its id in ctx.subscriptions from its `subscribe` message on
 * (set-up included, so that a `complete` and a new `subscribe` under the same id while it is set
 * up is told apart from it); once started, pulls its results and writes them as `next`
 * messages, then `complete`. A class with no closure per subscriber: while it waits, one pending
 * next() of its iterator is all it holds (a LiveStream's events are then written by DirectNext,
 * not by this).
 */
class SocketOperation implements AsyncIterableIterator<never> {
  private ended = false;
  private it: AsyncIterator<ExecutionResult> = NO_RESULTS;
  /** A subscription counted as active in /metrics. */
  private counted = false;
  constructor(
    private readonly ops: WsOperations,
    private readonly ctx: WsContext,
    private readonly id: string,
  ) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Only for graphql-ws's view of an async generator: it never iterates an operation. */
  next(): Promise<IteratorResult<never>> {
    return Promise.resolve(DONE);
  }

  /** The client's `complete` or a closed socket (graphql-ws took it out of ctx.subscriptions). */
  return(): Promise<IteratorResult<never>> {
    this.end();
    const r = this.it.return?.();
    return r ? r.then(() => DONE) : Promise.resolve(DONE);
  }

  /** Still the socket's operation under its id (nothing is sent for one that was completed). */
  get current(): boolean {
    return !this.ended && this.ctx.subscriptions[this.id] === this;
  }

  /**
   * Runs the operation's stream; false when the operation was completed (or its socket closed)
   * while it was set up: the stream is then ended (the returned promise), not run.
   */
  start(it: AsyncIterator<ExecutionResult>, counted: boolean): Promise<unknown> | true {
    if (!this.current) {
      if (counted) this.ops.timings?.ended();
      return Promise.resolve(it.return?.());
    }
    this.it = it;
    this.counted = counted;
    this.pull();
    return true;
  }

  /** The operation is over without a stream (answered, refused or failed): its id is free. */
  release(): void {
    if (this.ctx.subscriptions[this.id] === this) delete this.ctx.subscriptions[this.id];
    this.end();
  }

  private pull(): void {
    this.it.next().then(
      (step) => this.step(step),
      (err: unknown) => this.fail(err),
    );
  }

  private step(step: IteratorResult<ExecutionResult>): void {
    if (!this.current) return;
    try {
      if (step.done) {
        this.end();
        this.ops.settle(this.ops.complete(this.ctx, this.id), this.ctx);
        delete this.ctx.subscriptions[this.id];
        return;
      }
      const wait = this.ops.next(this.ctx, this.id, step.value);
      if (wait)
        wait.then(
          () => this.pull(),
          (err: unknown) => this.ops.internal(this.ctx, err),
        );
      else this.pull();
    } catch (err) {
      this.ops.internal(this.ctx, err);
    }
  }

  /**
   * The stream failed: an `error` message as graphql-ws sends for it, and no `complete`; masked
   * as Yoga masks a result's errors (a GraphQLError such as NOT_FOUND keeps its message and code,
   * anything else — a database failure — is "Unexpected error.", logged).
   */
  private fail(err: unknown): void {
    if (!this.current) return;
    this.end();
    const original = err instanceof Error ? err : new Error(String(err));
    try {
      this.ops.settle(
        this.ops.error(this.ctx, this.id, [
          this.ops.masked(new GraphQLError(original.message, { originalError: original })),
        ]),
        this.ctx,
      );
    } catch (e) {
      this.ops.internal(this.ctx, e);
    }
    delete this.ctx.subscriptions[this.id];
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.counted) this.ops.timings?.ended();
  }
}

export class WsOperations<C extends WsContext = WsContext> {
  /** Each result with errors as it leaves (masked, coded), once per result object. */
  private readonly outgoing = new WeakMap<ExecutionResult, ExecutionResult>();
  readonly timings: SubscriptionTimings | undefined;

  constructor(private readonly opts: WsOperationsOptions<C>) {
    this.timings = opts.timings;
  }

  /**
   * Takes a socket's message if it is a well-formed `subscribe` of an acknowledged connection
   * under a free id; anything else is left to graphql-ws (false), which answers or closes as
   * the protocol says (4400, 4401, 4409).
   */
  take(ctx: C, data: string): boolean {
    if (!ctx.acknowledged || !data.includes(MessageType.Subscribe)) return false;
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(data);
    } catch {
      return false;
    }
    if (message.type !== MessageType.Subscribe || message.id in ctx.subscriptions) return false;
    if (message.id.length > MAX_ID_LENGTH) {
      // the id is kept per operation (and in its frames' prefix): a message-sized id per
      // operation would hold up to WS_MAX_SUBSCRIPTIONS × 1 MiB per socket
      ctx.extra.socket.close(4400, `Operation id over ${MAX_ID_LENGTH} characters`);
      return true;
    }
    this.run(ctx, message).catch((err: unknown) => this.internal(ctx, err));
    return true;
  }

  private async run(ctx: C, { id, payload }: SubscribeMessage): Promise<void> {
    // the operation holds its id from now on: a `complete` (or a closed socket) while it is set
    // up ends it, and a new `subscribe` under the freed id is another operation, never this one
    const operation = new SocketOperation(this, ctx, id);
    ctx.subscriptions[id] = operation;
    let running = false;
    try {
      const prepared = await this.opts.prepare(ctx, id, payload);
      if (isErrors(prepared)) {
        if (operation.current) await this.error(ctx, id, prepared);
        return;
      }
      const { args } = prepared;
      const op = getOperationAST(args.document, args.operationName ?? undefined);
      if (!op) {
        if (operation.current) await this.error(ctx, id, [new GraphQLError('Unable to identify operation')]);
        return;
      }
      const subscription = op.operation === 'subscription';
      const result = subscription
        ? await this.subscribe(args)
        : ((await prepared.execute(args)) as ExecutionResult | AsyncIterable<ExecutionResult>);
      if (isAsyncIterable(result)) {
        const started = operation.start(result[Symbol.asyncIterator](), subscription);
        if (started === true) running = true;
        else await started; // completed while it was being set up
        return;
      }
      if (operation.current) await this.next(ctx, id, result);
      if (operation.current) await this.complete(ctx, id);
    } finally {
      if (!running) operation.release();
    }
  }

  /** A subscription set up as envelop's subscribe did for it: input check, shared events, metrics. */
  private async subscribe(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
    const refused = subscriptionRefusal(args.document, args.variableValues);
    if (refused) return refused;
    const started = performance.now();
    const result = await sharedSubscribe(args);
    const outcome = isAsyncIterable(result) ? 'stream' : result.errors?.length ? 'errors' : 'result';
    this.timings?.started((performance.now() - started) / 1000, outcome);
    return result;
  }

  /** `next` with the result's payload JSON (made once per result object); a promise while the socket has a backlog. */
  next(ctx: WsContext, id: string, result: ExecutionResult): Promise<void> | undefined {
    const payload = result.errors?.length ? this.leaving(result) : result;
    return sendText(ctx.extra.socket, nextMessage(id, payload));
  }

  error(ctx: WsContext, id: string, errors: readonly GraphQLError[]): Promise<void> | undefined {
    const payload = errors.map((e) => codedError(e, this.opts.production));
    return sendText(ctx.extra.socket, stringifyMessage({ id, type: MessageType.Error, payload }));
  }

  complete(ctx: WsContext, id: string): Promise<void> | undefined {
    return sendText(ctx.extra.socket, stringifyMessage({ id, type: MessageType.Complete }));
  }

  /** A send that waits for the socket: its failure is the transport's. */
  settle(wait: Promise<void> | undefined, ctx: WsContext): void {
    wait?.catch((err: unknown) => this.internal(ctx, err));
  }

  internal(ctx: WsContext, err: unknown): void {
    this.opts.internal(ctx.extra.socket, err);
  }

  /** An error as Yoga's error masking lets it leave (yoga.ts errorMasker). */
  masked(error: GraphQLError): GraphQLError {
    const m = this.opts.maskError(error, this.opts.maskedMessage);
    return m instanceof GraphQLError ? m : new GraphQLError(this.opts.maskedMessage);
  }

  private leaving(result: ExecutionResult): ExecutionResult {
    let out = this.outgoing.get(result);
    if (!out) {
      const errors = result.errors ?? [];
      const masked: ExecutionResult = {
        ...result,
        errors: errors.map((e) => this.masked(e)),
      };
      out = codedResult(masked, this.opts.production);
      this.outgoing.set(result, out);
    }
    return out;
  }
}
