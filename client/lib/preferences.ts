// Saves the chosen language on the account when the API offers it (else only in this browser).
import type { ApiClient } from './client';
import type { Lang } from './i18n/index.svelte';
import { features, UpdateMyLanguageDocument } from './api';

export async function saveLanguage(api: ApiClient, lang: Lang): Promise<void> {
  if (!features.profile) return;
  await api.urql.mutation(UpdateMyLanguageDocument, { language: lang }).toPromise();
}
