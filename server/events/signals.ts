// In-process signals between the API's services and the background subsystems, typed and created
// before any of them: a service says "this monitor changed" or "notification rows were queued";
// the probe runtime and the dispatcher subscribe when they start and unsubscribe when they stop.
// Nothing is assigned after construction, and a signal with no subscriber is simply not heard.

export interface Topic<T> {
  emit(value: T): void;
  /** Subscribes; the returned function unsubscribes. */
  on(listener: (value: T) => void): () => void;
}

export interface Signals {
  /** A monitor was created, changed, paused, resumed or deleted: the probe re-reads it at once. */
  monitorChanged: Topic<string>;
  /** Notification ledger rows were queued: the dispatcher wakes. */
  notificationsQueued: Topic<void>;
}

export function topic<T>(): Topic<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    emit(value) {
      // a listener's failure is its own: the service that emitted has already committed
      for (const l of [...listeners]) {
        try {
          l(value);
        } catch (err) {
          process.emitWarning(`signal listener failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

export function createSignals(): Signals {
  return { monitorChanged: topic<string>(), notificationsQueued: topic<void>() };
}
