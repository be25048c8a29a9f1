// SMS provider factory. The composition root maps config (SMS_PROVIDER, NHN_*, TWILIO_*) to one
// of these shapes; `fetch` defaults to the shared keep-alive client (../keepalive-fetch.ts).
import { providerFetch } from '../keepalive-fetch.ts';
import { createNhnProvider, type NhnProviderOptions } from './nhn.ts';
import { createTwilioProvider, type TwilioProviderOptions } from './twilio.ts';
import { createNoneProvider } from './none.ts';
import type { FetchLike, SmsProvider } from './provider.ts';

export type SmsProviderConfig =
  | ({ provider: 'nhn' } & Omit<NhnProviderOptions, 'fetch'> & { fetch?: FetchLike })
  | ({ provider: 'twilio' } & Omit<TwilioProviderOptions, 'fetch'> & { fetch?: FetchLike })
  | { provider: 'none' };

export function createSmsProvider(config: SmsProviderConfig): SmsProvider {
  switch (config.provider) {
    case 'nhn': {
      const { provider: _p, fetch: f, ...rest } = config;
      return createNhnProvider({ ...rest, fetch: f ?? providerFetch() });
    }
    case 'twilio': {
      const { provider: _p, fetch: f, ...rest } = config;
      return createTwilioProvider({ ...rest, fetch: f ?? providerFetch() });
    }
    case 'none':
      return createNoneProvider();
  }
}

export type { SmsProvider, SmsSendRequest, WebhookRequest, ParseReportResult, FetchLike } from './provider.ts';
export { createNhnProvider, nhnWebhookSignature, type NhnProviderOptions, type NhnSignatureMode } from './nhn.ts';
export { createTwilioProvider, twilioSignature, type TwilioProviderOptions } from './twilio.ts';
export { createNoneProvider, NO_PROVIDER_DETAIL } from './none.ts';
