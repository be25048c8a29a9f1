// Live updates of public status pages over SSE: viewers of one slug share one read and one
// rendering per language per change. After a change (the cache says which slug), the page is
// re-read once and every viewer gets the new fragment; a fragment equal to the last one sent
// (a check that changed nothing shown) is not sent. A page that is gone (unpublished, deleted)
// ends its streams. A comment every 25 s keeps proxies from closing idle streams. A viewer that
// does not read (over MAX_BACKLOG bytes waiting) is let go: its browser reconnects after 5 s and
// gets the page as it is then, instead of the server holding an ever longer backlog.
import type { ServerResponse } from 'node:http';
import type { StatusCache } from './status-cache.ts';
import { pageTitle, renderFragment } from './status-html.ts';
import type { StatusLang } from './status-i18n.ts';

interface Viewer {
  res: ServerResponse;
  lang: StatusLang;
}

interface Room {
  viewers: Set<Viewer>;
  last: Map<StatusLang, string>;
  timer: NodeJS.Timeout | null;
}

/** Bytes a viewer may leave unread before it is let go (default 1 MiB). */
export const MAX_BACKLOG = 1 << 20;

export interface StatusLiveOptions {
  /** Viewers of one page at most (more get 503; default 10,000). */
  maxViewersPerPage?: number;
  /** Changes within this many ms are sent as one (default 10). */
  debounceMs?: number;
  heartbeatMs?: number;
  /** Called when a refresh fails (the next change tries again). */
  onError?: (err: unknown) => void;
}

export interface StatusLive {
  /** Takes over `res` as an event stream of `slug` (already known to be published). */
  join(slug: string, lang: StatusLang, res: ServerResponse): boolean;
  viewers(): number;
  stop(): void;
}

const bodyOf = (fragment: string) => fragment.replace(/<footer>[\s\S]*<\/footer>$/, '');

export function createStatusLive(cache: StatusCache, opts: StatusLiveOptions = {}): StatusLive {
  const rooms = new Map<string, Room>();
  const maxViewers = opts.maxViewersPerPage ?? 10_000;
  const debounce = opts.debounceMs ?? 10;
  let count = 0;

  const heartbeat = setInterval(() => {
    for (const [slug, room] of rooms) for (const v of [...room.viewers]) send(slug, room, v, ': ping\n\n');
  }, opts.heartbeatMs ?? 25_000);
  heartbeat.unref();

  function leave(slug: string, room: Room, v: Viewer) {
    if (!room.viewers.delete(v)) return;
    count--;
    if (room.viewers.size === 0) {
      if (room.timer) clearTimeout(room.timer);
      rooms.delete(slug);
    }
  }

  function send(slug: string, room: Room, v: Viewer, data: string | Buffer) {
    if (v.res.writableLength > MAX_BACKLOG) {
      v.res.destroy();
      leave(slug, room, v);
      return;
    }
    v.res.write(data);
  }

  async function refresh(slug: string, room: Room) {
    room.timer = null;
    const view = await cache.view(slug).catch(() => undefined);
    if (view === undefined) return; // the read failed: the next change tries again
    if (view === null) {
      for (const v of [...room.viewers]) {
        v.res.end('event: gone\ndata: {}\n\n');
        leave(slug, room, v);
      }
      return;
    }
    // one encoded frame per language, the same bytes written to every viewer
    const frames = new Map<StatusLang, Buffer | null>();
    for (const v of room.viewers) {
      let frame = frames.get(v.lang);
      if (frame === undefined) {
        const html = renderFragment(view, v.lang, { strips: false });
        const body = bodyOf(html);
        frame =
          room.last.get(v.lang) === body
            ? null
            : Buffer.from(
                `event: update\ndata: ${JSON.stringify({ html, title: pageTitle(view, v.lang), state: view.state })}\n\n`,
              );
        if (frame) room.last.set(v.lang, body);
        frames.set(v.lang, frame);
      }
      if (frame) send(slug, room, v, frame);
    }
  }

  const stopListening = cache.onChange((slug) => {
    const room = rooms.get(slug);
    if (!room || room.timer) return;
    // a failed rendering must not become an unhandled rejection (Node ends the process on one)
    room.timer = setTimeout(() => refresh(slug, room).catch((err: unknown) => opts.onError?.(err)), debounce);
  });

  return {
    join(slug, lang, res) {
      let room = rooms.get(slug);
      if ((room?.viewers.size ?? 0) >= maxViewers) return false;
      if (!room) rooms.set(slug, (room = { viewers: new Set(), last: new Map(), timer: null }));
      const v: Viewer = { res, lang };
      room.viewers.add(v);
      count++;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write('retry: 5000\n\n');
      res.socket?.setNoDelay(true);
      const r = room;
      res.on('close', () => leave(slug, r, v));
      return true;
    },
    viewers: () => count,
    stop() {
      clearInterval(heartbeat);
      stopListening();
      for (const [slug, room] of rooms)
        for (const v of [...room.viewers]) {
          v.res.end();
          leave(slug, room, v);
        }
    },
  };
}
