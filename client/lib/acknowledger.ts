// Who acknowledged an incident, in the UI's language. The API gives a login id, "link: <recipient>",
// "operator" (the provider's staff, as customers see it) or, to admins, "operator: <login>" /
// "operator link: <recipient>".
import { t } from '$lib/i18n/index.svelte';

export function acknowledgerText(by: string | null | undefined): string {
  if (!by) return '';
  if (by === 'operator') return t('incident.operator');
  const m = /^operator(?: link)?: (.*)$/.exec(by);
  if (m) return `${t('incident.operator')} (${m[1]})`;
  const link = /^link: (.*)$/.exec(by);
  if (link) return t('incident.byLink', { who: link[1] ?? '' });
  return by;
}
