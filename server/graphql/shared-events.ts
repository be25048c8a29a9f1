// Live events executed once per audience. A subscription's event stream stays per subscriber
// (its subscribe resolver runs the tenancy check, reads the current state, filters repeats), but
// an event that reaches many subscribers with the same operation, variables and visibility is
// executed once and the one result is handed to each of them: with 10,000 dashboards open on one
// monitor, one status change used to be executed 10,000 times.
//
// Visibility is what a field resolver may depend on besides the event: the viewer's role, account
// and language. Two subscribers share a result only when all of these and the operation text and
// variables are equal, and only for the same event object (events are published once and handed
// to every local listener as that one object). Results are read-only from here on: nothing
// downstream (error coding, graphql-ws) changes a result in place.
import {
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { Plugin } from 'graphql-yoga';
import { LiveStream, type DirectReceiver } from '../events/live-stream.ts';
import type { GraphQLContext } from './context.ts';
import { directNextOf, type DirectNext } from './live-direct.ts';

/**
 * One audience (operation, variables, visibility), the same object for all of its subscribers,
 * with the result of the last event it was asked for: in a broadcast every subscriber after the
 * first finds the event's result there (two field reads), and the audience's key string is held
 * once (in `audiences`), not once per subscriber.
 */
class Audience {
  event: unknown = undefined;
  result: Promise<ExecutionResult> | ExecutionResult | undefined = undefined;
}

type Shared = Map<Audience, Promise<ExecutionResult> | ExecutionResult>;

/** Event object → results by audience; entries go with the event (WeakMap). */
const byEvent = new WeakMap<object, Shared>();
const printed = new WeakMap<DocumentNode, string>();
/** The live audiences by key; an entry leaves when its audience is collected (its last subscriber ended). */
const audiences = new Map<string, WeakRef<Audience>>();
const collected = new FinalizationRegistry<string>((key) => {
  if (audiences.get(key)?.deref() === undefined) audiences.delete(key);
});

function audienceKey(args: ExecutionArgs): string {
  let text = printed.get(args.document);
  if (text === undefined) {
    text = print(args.document);
    printed.set(args.document, text);
  }
  const viewer = (args.contextValue as Partial<GraphQLContext> | undefined)?.viewer ?? null;
  const who = viewer ? `${viewer.role}|${viewer.accountId}|${viewer.language}` : 'anonymous';
  return `${who}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${text}`;
}

/** The subscriber's audience: the one object of every subscriber with the same key. */
function audienceOf(args: ExecutionArgs): Audience {
  const key = audienceKey(args);
  let audience = audiences.get(key)?.deref();
  if (audience === undefined) {
    audience = new Audience();
    audiences.set(key, new WeakRef(audience));
    collected.register(audience, key);
  }
  return audience;
}

/** Live audiences (tests). */
export function audienceCount(): number {
  return audiences.size;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

/** The result of one event for one audience: executed by the first subscriber that asks, shared with the rest. */
function resultFor(
  args: ExecutionArgs,
  audience: Audience,
  event: unknown,
): Promise<ExecutionResult> | ExecutionResult {
  // no closure per call: on the direct path this runs once per subscriber and event
  if (audience.event === event && audience.result !== undefined) return audience.result;
  if (typeof event !== 'object' || event === null) return run(args, event);
  let shared = byEvent.get(event);
  if (!shared) {
    shared = new Map();
    byEvent.set(event, shared);
  }
  let r = shared.get(audience);
  if (r === undefined) {
    r = run(args, event);
    shared.set(audience, r);
  }
  audience.event = event;
  audience.result = r;
  return r;
}

function run(args: ExecutionArgs, event: unknown): Promise<ExecutionResult> | ExecutionResult {
  const r = execute({ ...args, rootValue: event }) as Promise<ExecutionResult> | ExecutionResult;
  if (!isPromise(r)) {
    forgetScopes(args.contextValue);
    return r;
  }
  return r.finally(() => forgetScopes(args.contextValue));
}

/**
 * Pothos's scope-auth cache of a context (five maps, ~0.9 KB) dropped once an execution is done:
 * a subscriber's context lives as long as its subscription, and each execution computes its
 * scopes again from the viewer (a cache only, nothing of the answer depends on keeping it).
 */
function forgetScopes(contextValue: unknown): void {
  if (typeof contextValue === 'object' && contextValue !== null) RequestCache.clearForContext(contextValue);
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

/**
 * A WebSocket subscriber's direct delivery: the event's shared result for its audience, written to
 * its socket by DirectNext, with no promise, iterator step or execution of its own. A result that
 * is not ready (asynchronous resolvers) or not plain goes the ordinary way (returns false).
 */
class DirectResults implements DirectReceiver<unknown> {
  constructor(
    private readonly args: ExecutionArgs,
    private readonly audience: Audience,
    private readonly out: DirectNext,
  ) {}
  deliver(event: unknown): boolean {
    const r = resultFor(this.args, this.audience, event);
    return !isPromise(r) && this.out.write(r);
  }
}

/**
 * Maps the per-subscriber event stream to shared results; return() and throw() reach the source
 * at once. A class, not closures: one object per subscriber, whatever names tsx keeps on functions;
 * next() is no async function (a waiting subscriber holds no suspended frame of its own).
 */
class SharedResults implements AsyncIterableIterator<ExecutionResult> {
  private readonly it: AsyncIterator<unknown>;
  constructor(
    source: AsyncIterable<unknown>,
    private readonly args: ExecutionArgs,
    private readonly audience: Audience,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }
  [Symbol.asyncIterator]() {
    return this;
  }
  private map(
    step: IteratorResult<unknown>,
  ): Promise<IteratorResult<ExecutionResult>> | IteratorResult<ExecutionResult> {
    if (step.done) return DONE;
    const r = resultFor(this.args, this.audience, step.value);
    return isPromise(r) ? r.then(value) : value(r);
  }
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.it.next().then((step) => this.map(step));
  }
  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.it.return?.();
    return DONE;
  }
  async throw(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    if (this.it.throw) return this.map(await this.it.throw(err));
    throw err;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const value = (r: ExecutionResult): IteratorYieldResult<ExecutionResult> => ({ done: false, value: r });

/**
 * A subscription's source stream with its events executed once per audience: the shared results,
 * or the result with errors when it does not start. A WebSocket subscriber (its context has a
 * DirectNext) gets events written straight to its socket while it waits (DirectResults).
 */
export async function sharedSubscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  forgetScopes(args.contextValue);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const audience = audienceOf(args);
  const direct = directNextOf(args.contextValue);
  if (direct && stream instanceof LiveStream) stream.deliverDirectly(new DirectResults(args, audience, direct));
  return new SharedResults(stream, args, audience);
}

export function sharedEventsPlugin(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe);
    },
  };
}
