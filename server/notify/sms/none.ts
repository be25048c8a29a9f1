// The 'none' provider: SMS is switched off at the service level. Every send says so plainly, so
// the ledger shows why a contact with SMS on got nothing (never a silent skip).
import type { SendOutcome } from '../types.ts';
import type { SmsProvider } from './provider.ts';

export const NO_PROVIDER_DETAIL = 'not sent: no SMS provider configured';

export function createNoneProvider(): SmsProvider {
  return {
    name: 'none',
    async send(): Promise<SendOutcome> {
      return { status: 'NOT_SENT', detail: NO_PROVIDER_DETAIL };
    },
  };
}
