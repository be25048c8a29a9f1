// Live status-page viewers over SSE, without a server: a refresh that fails does not become an
// unhandled rejection (Node 20 ends the process on one), and a viewer that stops reading is let
// go once its backlog passes MAX_BACKLOG instead of growing without bound.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { StatusCache } from '../../server/http/status-cache.ts';
import { createStatusLive, MAX_BACKLOG } from '../../server/http/status-live.ts';
import type { PublicPage } from '../../server/services/status-pages/public-view.ts';

/** A response that records what is written and holds `unread` bytes its reader has not taken. */
class FakeResponse extends EventEmitter {
  writes: string[] = [];
  unread = 0;
  destroyed = false;
  ended = false;
  socket = { setNoDelay() {} };
  get writableLength() {
    return this.unread;
  }
  writeHead() {
    return this;
  }
  write(data: string | Buffer) {
    this.writes.push(String(data));
    return true;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

function fakeCache(view: () => Promise<PublicPage | null>) {
  const listeners = new Set<(slug: string) => void>();
  const cache = {
    view: () => view(),
    html: async () => null,
    onChange(fn: (slug: string) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    stop() {},
  } as unknown as StatusCache;
  const change = (slug: string) => {
    for (const fn of listeners) fn(slug);
  };
  return { cache, change };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('status page live viewers', () => {
  it('a refresh whose rendering throws is reported, not left unhandled', async () => {
    const errors: unknown[] = [];
    // a view the renderer cannot read (a bug in a view or a template)
    const { cache, change } = fakeCache(async () => ({}) as PublicPage);
    const live = createStatusLive(cache, { debounceMs: 1, onError: (e) => errors.push(e) });
    const res = new FakeResponse();
    live.join('acme', 'en', res as unknown as ServerResponse);
    change('acme');
    await settle();
    expect(errors).toHaveLength(1);
    expect(live.viewers()).toBe(1);
    live.stop();
  });

  it('lets a viewer go once its unread backlog passes MAX_BACKLOG; the others keep their stream', async () => {
    const { cache } = fakeCache(async () => null);
    const live = createStatusLive(cache, { heartbeatMs: 5 });
    const reader = new FakeResponse();
    const stalled = new FakeResponse();
    live.join('acme', 'en', reader as unknown as ServerResponse);
    live.join('acme', 'en', stalled as unknown as ServerResponse);
    stalled.unread = MAX_BACKLOG + 1;
    await settle();
    expect(stalled.destroyed).toBe(true);
    expect(live.viewers()).toBe(1);
    expect(reader.destroyed).toBe(false);
    expect(reader.writes.filter((w) => w.startsWith(': ping')).length).toBeGreaterThan(1);
    live.stop();
  });
});
