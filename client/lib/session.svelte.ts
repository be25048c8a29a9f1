// Who is signed in (the `viewer`), shared by every page.
import type { ViewerFieldsFragment } from './api';

const KEY = 'portwatch.viewer';

/** The last known viewer of this tab: pages render at once while the API confirms it. */
function remembered(): ViewerFieldsFragment | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as ViewerFieldsFragment) : null;
  } catch {
    return null;
  }
}

class Session {
  #viewer = $state<ViewerFieldsFragment | null>(remembered());
  get viewer(): ViewerFieldsFragment | null {
    return this.#viewer;
  }
  set viewer(v: ViewerFieldsFragment | null) {
    this.#viewer = v;
    try {
      if (v) sessionStorage.setItem(KEY, JSON.stringify(v));
      else sessionStorage.removeItem(KEY);
    } catch {
      /* storage unavailable */
    }
  }
  /** True once the first `viewer` query answered, or at once with a remembered viewer. */
  ready = $state(remembered() !== null);
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause = $state<string | null>(null);
  /** The API could not be reached on first load. */
  loadError = $state<string | null>(null);

  get isAdmin() {
    return this.viewer?.role === 'ADMIN';
  }
  get isColocation() {
    return this.viewer?.role === 'CUSTOMER' && this.viewer.kind === 'COLOCATION';
  }
}

export const session = new Session();
