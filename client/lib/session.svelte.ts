// Who is signed in (the `viewer`), shared by every page.
import type { ViewerFieldsFragment } from './api';

class Session {
  viewer = $state<ViewerFieldsFragment | null>(null);
  /** True once the first `viewer` query answered. */
  ready = $state(false);
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
