// One subscriber's stream of live events, fed by the hub (live-hub.ts) without a Repeater or an
// async generator of its own. It is an ordinary async iterator (current state first, then the
// events of its topic and scope that its filter accepts, in publish order), and it can also hand
// events over directly: once its consumer has taken everything queued and waits for more, an
// event is given to the direct receiver in the publisher's synchronous step (a WebSocket
// subscriber writes the shared frame to its socket there), and the consumer's pending next()
// stays pending. An event the receiver declines (say, a socket with a backlog) resolves that
// next() instead, and the stream is an ordinary iterator again until its consumer asks for more
// with nothing queued. So the order never changes: a direct hand-over happens only when nothing
// of the stream is queued or in the consumer's hands.

/** What a stream's events must pass, after the current state (a class per use: no closure per subscriber). */
export interface LiveFilter<T> {
  accept(event: T): boolean;
}

/** Takes an event directly; false to have it go through the iterator instead. */
export interface DirectReceiver<T> {
  deliver(event: T): boolean;
}

/** Where a stream is registered; it leaves when it ends. */
export interface StreamHome {
  remove(stream: object): void;
}

/**
 * Events a stream may hold for a consumer that does not take them (the pubsub's Repeater refused
 * more than 1,024 pending values too). Beyond it the stream ends with an error: the client
 * subscribes again and gets the current state first, instead of the server holding an ever
 * longer queue for a reader that has stopped.
 */
export const MAX_QUEUED = 1024;

/** A stream ended because its consumer left MAX_QUEUED events untaken (the API says SUBSCRIPTION_OVERFLOW). */
export class LiveOverflowError extends Error {
  override readonly name = 'LiveOverflowError';
  constructor() {
    super(`More than ${MAX_QUEUED} live events were not taken: subscribe again (the current state comes first)`);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const NO_FAILURE = Symbol('no failure');

export class LiveStream<T> implements AsyncIterableIterator<T> {
  /** Current state, sent before any event (not filtered). */
  private head: T[] | null = null;
  /** Events not yet taken (filtered when taken). */
  private queue: T[] | null = null;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private starting: Promise<void> | null = null;
  private failure: unknown = NO_FAILURE;
  private direct: DirectReceiver<T> | null = null;
  /** The consumer waits with nothing queued: events go to `direct`. */
  private armed = false;
  private done = false;

  constructor(
    private readonly home: StreamHome,
    private readonly filter: LiveFilter<T> | null = null,
  ) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  /**
   * The current state to send first, read after the stream was registered (so no event falls
   * between the read and the stream). A rejection is the stream's error, thrown by its first next().
   */
  startWith(current: Promise<readonly T[]>): void {
    this.starting = current.then(
      (items) => {
        this.starting = null;
        if (!this.done && items.length) this.head = [...items];
      },
      (err: unknown) => {
        this.starting = null;
        this.failure = err;
      },
    );
  }

  /** Hand events directly to `receiver` whenever the consumer waits with nothing queued. */
  deliverDirectly(receiver: DirectReceiver<T>): void {
    this.direct = receiver;
  }

  /** True while events are handed to the direct receiver. */
  get isDirect(): boolean {
    return this.armed;
  }

  /** An event of the stream's topic and scope (the hub calls this in publish order). */
  offer(event: T): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter === null) {
      if (this.queue === null) this.queue = [event];
      else if (this.queue.length >= MAX_QUEUED) this.overflow();
      else this.queue.push(event);
      return;
    }
    // the consumer waits: nothing is queued, nothing is starting
    if (this.filter !== null && !this.filter.accept(event)) return;
    if (this.armed && this.direct?.deliver(event)) return;
    this.armed = false;
    this.waiter = null;
    waiter({ done: false, value: event });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.starting !== null) return this.starting.then(() => this.next());
    if (this.failure !== NO_FAILURE) {
      const err = this.failure;
      this.failure = NO_FAILURE;
      this.close();
      return Promise.reject(err);
    }
    const head = this.head;
    if (head !== null) {
      const value = head.shift() as T;
      if (head.length === 0) this.head = null;
      return Promise.resolve({ done: false, value });
    }
    const queue = this.queue;
    if (queue !== null) {
      while (queue.length) {
        const e = queue.shift() as T;
        if (this.filter === null || this.filter.accept(e)) {
          if (queue.length === 0) this.queue = null;
          return Promise.resolve({ done: false, value: e });
        }
      }
      this.queue = null;
    }
    if (this.done) return Promise.resolve(DONE);
    this.armed = this.direct !== null;
    return new Promise<IteratorResult<T>>((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve(DONE);
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(err);
  }

  /** Too many events not taken: the stream leaves its topic; its next next() throws, then it is done. */
  private overflow(): void {
    this.failure = new LiveOverflowError();
    this.close();
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.armed = false;
    this.head = null;
    this.queue = null;
    this.direct = null;
    this.home.remove(this);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(DONE);
  }
}
