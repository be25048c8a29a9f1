// The ApiClient created in the root layout, reachable from any component.
import { getContext, setContext } from 'svelte';
import type { ApiClient } from './client';

const KEY = Symbol('portwatch.api');

export function setApi(api: ApiClient) {
  setContext(KEY, api);
}

export function getApi(): ApiClient {
  const api = getContext<ApiClient | undefined>(KEY);
  if (!api) throw new Error('getApi() outside the root layout');
  return api;
}
