// Delivery notes stored in the ledger (statusDetail, timeline details) are English sentences
// the product writes itself ("not sent: SMS is switched off for this monitor", "attempt 1: sent
// — …", "gave up after 10 attempts: …"). Shown in the UI's language: each known shape is
// matched and rebuilt from translated parts; what a provider said (an SMTP reply, a carrier's
// report text) is kept verbatim inside it, as the provider's own words.
import { hasKey, t } from './i18n/index.svelte';
import { createDeliveryNote } from './delivery-notes-core';

/** `note` in the UI's language where it is the product's own words; provider text kept. */
export const deliveryNote = createDeliveryNote(t, hasKey);
