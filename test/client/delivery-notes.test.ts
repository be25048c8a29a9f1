// Issue 13 item 10: the ledger's own sentences are shown in Korean. Every "not sent: …" reason
// the server can write (read from its source), and what the real NHN and Twilio providers
// write for a carrier's report or a refused send, goes through the dashboard's translator
// (client/lib/delivery-notes-core.ts) with the Korean dictionary: the result is Korean, and
// what the provider itself said is kept.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeliveryNote } from '../../client/lib/delivery-notes-core.ts';
import { en, type MessageKey } from '../../client/lib/i18n/en.ts';
import { ko } from '../../client/lib/i18n/ko.ts';
import { createNhnProvider, nhnWebhookSignature } from '../../server/notify/sms/nhn.ts';
import { createTwilioProvider, twilioSignature } from '../../server/notify/sms/twilio.ts';

const has = (k: string) => Object.hasOwn(en, k);
const inKorean = createDeliveryNote((key: MessageKey, params?: Record<string, string | number>) => {
  let s = ko[key];
  for (const [k, v] of Object.entries(params ?? {})) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}, has);
const HANGUL = /[\uac00-\ud7a3]/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'generated' ? [] : sources(p);
    return p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('delivery notes in Korean', () => {
  it('every fixed "not sent" reason the server writes', () => {
    const reasons = new Set<string>();
    for (const text of sources(join(import.meta.dirname, '../../server'))) {
      for (const m of text.matchAll(/(['"])(not sent: [^'"$`]+)\1/g)) if (!m[2]!.includes('…')) reasons.add(m[2]!); // (a comment's "no … configured" is not one)
    }
    expect(reasons.size).toBeGreaterThan(8);
    const untranslated = [...reasons].filter((r) => !HANGUL.test(inKorean(r)) || /not sent/.test(inKorean(r)));
    expect(untranslated).toEqual([]);
    for (const channel of ['Slack', 'Telegram', 'webhook']) {
      for (const whose of ['this account', 'this admin recipient']) {
        const k = inKorean(`not sent: this ${channel} destination is switched off for ${whose}`);
        expect(k).toMatch(HANGUL);
        expect(k).toContain(channel);
      }
    }
  });

  it("an NHN report: the result code's meaning in Korean, NHN's status word kept", () => {
    const nhn = createNhnProvider({
      baseUrl: 'http://127.0.0.1:1',
      appKey: 'k',
      secretKey: 's',
      sendNo: '15446859',
      webhookSecret: 'w',
      fetch: async () => {
        throw new Error('unused');
      },
    });
    const rawBody = JSON.stringify({
      event: 'MESSAGE_RESULT_UPDATE',
      hooks: [
        { requestId: 'r1', recipientSeq: '1', messageStatus: 'COMPLETED', resultCode: '2003' },
        { requestId: 'r1', recipientSeq: '2', messageStatus: 'COMPLETED', resultCode: '1000' },
      ],
    });
    const parsed = nhn.parseReport!({
      headers: { 'x-toast-webhook-signature': nhnWebhookSignature('w', rawBody) },
      rawBody,
      url: '/hooks/sms/nhn',
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    const [off, ok] = parsed.reports.map((r) => inKorean(`nhn report: ${r.detail}`));
    expect(off).toBe('nhn 결과 보고: COMPLETED: 2003 단말기 전원 꺼짐');
    expect(ok).toBe('nhn 결과 보고: COMPLETED: 1000 전달 완료');
  });

  it('a Twilio report and a refused send', async () => {
    const url = 'https://watch.example/hooks/sms/twilio';
    const twilio = createTwilioProvider({
      baseUrl: 'http://127.0.0.1:1',
      accountSid: 'AC1',
      authToken: 't',
      from: '+15550001111',
      statusCallbackUrl: url,
      fetch: async () => {
        throw new Error('unused');
      },
    });
    const params = new URLSearchParams({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' });
    const parsed = twilio.parseReport!({
      headers: { 'x-twilio-signature': twilioSignature('t', url, params.entries()) },
      rawBody: params.toString(),
      url,
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(inKorean(`twilio report: ${parsed.reports[0]!.detail}`)).toBe(
      'twilio 결과 보고: 전달 안 됨 (오류 30003: 받는 단말기에 닿을 수 없음)',
    );
    const refused = await twilio.send({ ledgerId: 'n1', to: '010-1234', text: 'x' });
    expect(inKorean(`attempt 1: failed — ${refused.detail}`)).toBe(
      '1번째 시도: 실패 — 받는 번호 010-1234 이(가) 국제 형식(E.164)이 아닙니다',
    );
    // what a provider said itself stays as it said it
    expect(inKorean('NHN HTTP 503: Service Unavailable')).toBe('NHN 응답 HTTP 503: Service Unavailable');
  });
});
