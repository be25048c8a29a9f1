// One listener per topic and scope on the event target, however many subscribers listen there:
// an event is handed to each subscriber's LiveStream in one synchronous loop, in publish order.
// The streams are registered when created (before the subscriber reads the current state, so no
// change falls between the two) and leave when they end. A scope is the tenancy boundary: a
// customer's stream is registered under its account id and only ever sees events published
// under that id (events.ts publishes each tenant-scoped event under its owner and ADMIN_SCOPE).
import { LiveStream, type LiveFilter, type StreamHome } from './live-stream.ts';

/** The part of an EventTarget the hub uses (the in-memory target and the Redis one). */
export interface HubTarget {
  addEventListener(type: string, listener: (e: CustomEvent) => void): void;
  removeEventListener(type: string, listener: (e: CustomEvent) => void): void;
}

type ErrorSink = (err: unknown) => void;

/** The streams of one topic and scope, and the one listener that feeds them. */
class Channel implements StreamHome {
  readonly streams = new Set<LiveStream<unknown>>();
  readonly listener: (e: CustomEvent) => void;
  constructor(
    readonly key: string,
    private readonly hub: LiveHub,
    onError: ErrorSink,
  ) {
    this.listener = (e: CustomEvent) => {
      const event: unknown = e.detail;
      for (const s of this.streams) {
        try {
          s.offer(event);
        } catch (err) {
          // one subscriber's failure (a socket write) must not stop the others nor reach the publisher
          onError(err);
        }
      }
    };
  }
  remove(stream: object): void {
    this.streams.delete(stream as LiveStream<unknown>);
    if (this.streams.size === 0) this.hub.drop(this);
  }
}

export class LiveHub {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly target: HubTarget,
    private readonly onError: ErrorSink = (err) => console.error('live event delivery failed', err),
  ) {}

  /** A stream of `topic` events published under `scope`, registered now. */
  stream<T>(topic: string, scope: string, filter: LiveFilter<T> | null = null): LiveStream<T> {
    const key = `${topic}:${scope}`;
    let channel = this.channels.get(key);
    if (!channel) {
      channel = new Channel(key, this, this.onError);
      this.channels.set(key, channel);
      this.target.addEventListener(key, channel.listener);
    }
    const stream = new LiveStream<T>(channel, filter);
    channel.streams.add(stream as LiveStream<unknown>);
    return stream;
  }

  /**
   * Calls `fn` with every `topic` event published under `scope` (null: a topic without scopes), in
   * the publisher's synchronous step: for the server's own watchers (status pages, revocations),
   * which must neither queue a burst nor end because of one. Its failures go to the error sink.
   * Returns a stop function.
   */
  listen<T>(topic: string, scope: string | null, fn: (event: T) => void): () => void {
    const key = scope === null ? topic : `${topic}:${scope}`;
    const onError = this.onError;
    const listener = (e: CustomEvent) => {
      try {
        fn(e.detail as T);
      } catch (err) {
        onError(err);
      }
    };
    this.target.addEventListener(key, listener);
    return () => this.target.removeEventListener(key, listener);
  }

  /** Streams listening on `topic` and `scope` (tests, metrics). */
  listeners(topic: string, scope: string): number {
    return this.channels.get(`${topic}:${scope}`)?.streams.size ?? 0;
  }

  /** A channel without streams stops listening (with Redis: unsubscribes its channel). */
  drop(channel: Channel): void {
    if (this.channels.get(channel.key) !== channel || channel.streams.size) return;
    this.channels.delete(channel.key);
    this.target.removeEventListener(channel.key, channel.listener);
  }
}
