// How a NotifyEndpoint row becomes a ledger recipient: the display form carries no secret
// (a Slack webhook URL without its token segment, a webhook URL without query or user info).
import type { Channel } from '../../generated/prisma/enums.ts';
import { slackRecipient } from '../../notify/slack.ts';
import type { EndpointInfo } from '../notifications/rows.ts';

export const endpointInfoSelect = { id: true, channel: true, target: true, enabled: true } as const;

export function endpointRecipient(channel: Channel, target: string): string {
  if (channel === 'SLACK') return slackRecipient(target);
  if (channel === 'TELEGRAM') return `telegram:${target}`;
  try {
    const u = new URL(target);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return target.slice(0, 200);
  }
}

export function toEndpointInfo(e: { id: string; channel: Channel; target: string; enabled: boolean }): EndpointInfo {
  return { id: e.id, channel: e.channel, recipient: endpointRecipient(e.channel, e.target), enabled: e.enabled };
}
