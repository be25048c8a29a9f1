// A short server-side cache of public status pages, per slug: the page's view (one read) and
// its HTML per language with an ETag. An entry lives TTL ms at most and is dropped at once when
// something it shows changes: an incident of one of its monitors opens, changes or closes, a
// public note is written, the page is edited (events, so every process drops it). A shown port's
// phase change is applied to the cached view in memory (public-view.ts: patchPhase), without a
// read; a change of a port the page does not show changes nothing. Unknown and unpublished slugs are cached alike (null), so the two cannot
// be told apart by timing either.
import { createHash } from 'node:crypto';
import { loadPublicPage, type PublicPage, patchPhase } from '../services/status-pages/public-view.ts';
import { type StatusChange, watchStatusChanges } from '../services/status-pages/watch.ts';
import type { ServiceDeps } from '../services/types.ts';
import { renderPage } from './status-html.ts';
import type { StatusLang } from './status-i18n.ts';

export interface RenderedPage {
  body: string;
  etag: string;
}

interface Entry {
  at: number;
  view: Promise<PublicPage | null>;
  /** The view once read (undefined while the read runs). */
  resolved?: PublicPage | null;
  html: Map<StatusLang, RenderedPage>;
}

export interface StatusCacheOptions {
  /** How long an entry may be served without a change event (default 10 s). */
  ttlMs?: number;
  /** Slugs kept at most (the oldest go first; default 10,000). */
  maxEntries?: number;
  /** Monotonic milliseconds (tests). */
  clock?: () => number;
}

export interface StatusCache {
  view(slug: string): Promise<PublicPage | null>;
  html(slug: string, lang: StatusLang): Promise<{ view: PublicPage; page: RenderedPage } | null>;
  /** Called with the slug of every entry dropped by a change (the live viewers refresh). */
  onChange(fn: (slug: string) => void): () => void;
  stop(): void;
}

export function createStatusCache(deps: ServiceDeps, opts: StatusCacheOptions = {}): StatusCache {
  const ttl = opts.ttlMs ?? 10_000;
  const max = opts.maxEntries ?? 10_000;
  const clock = opts.clock ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  const byMonitor = new Map<string, Set<string>>();
  const byPage = new Map<string, string>();
  const phases = new Map<string, string>();
  const listeners = new Set<(slug: string) => void>();
  // views replaced by a port's phase change: the next read keeps their uptime and strips
  const replaced = new Map<string, { at: number; view: Promise<PublicPage | null> }>();

  // entries known to hold null (no such published page): dropped on any page change
  const nulls = new Set<Entry>();

  function drop(slug: string) {
    entries.delete(slug);
    for (const fn of listeners) fn(slug);
  }

  function index(slug: string, view: PublicPage | null) {
    if (!view) return;
    byPage.set(view.id, slug);
    for (const id of view.monitorIds) {
      let set = byMonitor.get(id);
      if (!set) byMonitor.set(id, (set = new Set()));
      set.add(slug);
    }
  }

  function changed(c: StatusChange) {
    if (c.kind === 'monitor') {
      const slugs = byMonitor.get(c.monitorId);
      if (!slugs) return;
      if (c.port !== undefined && c.phase !== undefined) {
        const key = `${c.monitorId}:${c.port}`;
        if (phases.get(key) === c.phase) return; // a check that changed nothing shown
        phases.set(key, c.phase);
      }
      for (const slug of slugs) {
        const old = entries.get(slug);
        // a phase change is applied to the view in memory (no read): only a page showing the port changes
        if (old?.resolved && c.port !== undefined && c.phase !== undefined && clock() - old.at < ttl) {
          const [phase = 'UNKNOWN', flap] = c.phase.split(':');
          const next = patchPhase(
            old.resolved,
            { monitorId: c.monitorId, port: c.port, phase, flapping: flap === 'flapping' },
            deps.now(),
          );
          if (next) {
            entries.set(slug, { at: old.at, view: Promise.resolve(next), resolved: next, html: new Map() });
            for (const fn of listeners) fn(slug);
          }
          continue;
        }
        if (c.phase !== undefined && old) replaced.set(slug, { at: old.at, view: old.view });
        else replaced.delete(slug);
        drop(slug);
      }
      return;
    }
    const slug = byPage.get(c.pageId);
    if (slug) drop(slug);
    // a page published (or renamed) just now may sit in the cache as "not found"
    for (const [s, e] of entries) if (nulls.has(e)) entries.delete(s);
    nulls.clear();
  }

  const unwatch = watchStatusChanges(deps, changed);

  function entry(slug: string): Entry {
    const hit = entries.get(slug);
    if (hit && clock() - hit.at < ttl) return hit;
    if (hit) entries.delete(slug);
    const prev = replaced.get(slug);
    replaced.delete(slug);
    // the strips are kept at most one TTL past their own read
    const reuse = prev && clock() - prev.at < 2 * ttl ? prev.view.catch(() => null) : Promise.resolve(null);
    const e: Entry = {
      at: prev && clock() - prev.at < 2 * ttl ? prev.at : clock(),
      view: reuse.then((p) => loadPublicPage(deps, slug, p)),
      html: new Map(),
    };
    entries.set(slug, e);
    if (entries.size > max) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    e.view.then(
      (v) => {
        e.resolved = v;
        if (v === null) nulls.add(e);
        index(slug, v);
      },
      () => {
        if (entries.get(slug) === e) entries.delete(slug);
      },
    );
    return e;
  }

  return {
    view: (slug) => entry(slug).view,
    async html(slug, lang) {
      const e = entry(slug);
      const view = await e.view;
      if (!view) return null;
      let page = e.html.get(lang);
      if (!page) {
        const body = renderPage(view, lang);
        page = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
        e.html.set(lang, page);
      }
      return { view, page };
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    stop() {
      unwatch();
      listeners.clear();
      entries.clear();
    },
  };
}
