// A reactive urql query for Svelte 5 runes: re-runs when the variables (a function reading
// reactive state) change; `null` variables pause it. Call during component initialisation.
import type { AnyVariables, CombinedError, DocumentInput, RequestPolicy } from '@urql/core';
import type { ApiClient } from './client';
import { live } from './live.svelte';

export interface Query<D> {
  readonly data: D | undefined;
  readonly error: CombinedError | undefined;
  /** True while a request is in flight (also while showing cached data being refreshed). */
  readonly fetching: boolean;
  refetch(): void;
}

export function query<D, V extends AnyVariables>(
  api: ApiClient,
  doc: DocumentInput<D, V>,
  variables: () => V | null,
  opts: { requestPolicy?: RequestPolicy; refetchOnReconnect?: boolean } = {},
): Query<D> {
  let data = $state.raw<D | undefined>(undefined);
  let error = $state.raw<CombinedError | undefined>(undefined);
  let fetching = $state(false);
  let bump = $state(0);
  let forced = false;

  $effect(() => {
    const vars = variables();
    void bump;
    if (opts.refetchOnReconnect !== false) void live.epoch;
    if (vars === null) return;
    fetching = true;
    const policy: RequestPolicy = forced ? 'network-only' : (opts.requestPolicy ?? 'cache-and-network');
    forced = false;
    const sub = api.urql.query(doc, vars, { requestPolicy: policy }).subscribe((r) => {
      data = r.data ?? (r.error ? data : undefined);
      error = r.error;
      fetching = !!r.stale;
    });
    return () => sub.unsubscribe();
  });

  return {
    get data() {
      return data;
    },
    get error() {
      return error;
    },
    get fetching() {
      return fetching;
    },
    refetch() {
      forced = true;
      bump += 1;
    },
  };
}
