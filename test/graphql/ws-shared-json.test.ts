// A live event's `next` payload is serialised once per payload object (one per event and
// audience) and spliced into each subscriber's message: the text sent is exactly what
// JSON.stringify of the whole message gives, and an object is serialised only once however many
// subscribers share it. Other messages pass unchanged.
import { describe, expect, it } from 'vitest';
import { sharedPayloadReplacer, spliceSharedPayload } from '../../server/graphql/ws-shared-json.ts';

/** What graphql-ws does for every message: stringify with the replacer, then hand the text to send(). */
const wire = (msg: object) => spliceSharedPayload(JSON.stringify(msg, sharedPayloadReplacer));

/** A result whose serialisations are counted (JSON.stringify reads `data` once per serialisation). */
function counted(data: Record<string, unknown>) {
  let reads = 0;
  const result = {
    get data() {
      reads += 1;
      return data;
    },
  };
  return { result, serialised: () => reads };
}

describe('shared next payloads', () => {
  it('one serialisation per payload object; each message its own id around the same bytes', () => {
    const mine = counted({ monitorStatus: { phase: 'DOWN', seenBy: 'a/ko' } });
    const theirs = counted({ monitorStatus: { phase: 'DOWN', seenBy: 'b/en' } });
    const sent = ['s1', 's2', 's3'].map((id) => wire({ id, type: 'next', payload: mine.result }));
    const other = wire({ id: 's4', type: 'next', payload: theirs.result });
    expect(mine.serialised()).toBe(1);
    expect(theirs.serialised()).toBe(1);
    sent.forEach((text, i) => {
      expect(JSON.parse(text)).toEqual({
        id: `s${i + 1}`,
        type: 'next',
        payload: { data: { monitorStatus: { phase: 'DOWN', seenBy: 'a/ko' } } },
      });
    });
    expect(new Set(sent.map((t) => t.slice(t.indexOf('"payload"')))).size).toBe(1);
    // another audience's object: its own bytes
    expect(JSON.parse(other).payload.data.monitorStatus.seenBy).toBe('b/en');
  });

  it('gives exactly the text JSON.stringify gives, whatever the id holds', () => {
    const payload = { data: { x: 'a "quoted" \u0000 value', n: [1, 2] }, errors: [{ message: 'm' }] };
    for (const id of ['plain', '\u0000portwatch-shared-payload', '"payload":x']) {
      const msg = { id, type: 'next', payload };
      expect(wire(msg)).toBe(JSON.stringify(msg));
    }
  });

  it('leaves every other message alone', () => {
    const messages = [
      { type: 'connection_ack' },
      { id: 'e', type: 'error', payload: [{ message: 'Monitor not found', extensions: { code: 'NOT_FOUND' } }] },
      { id: 'c', type: 'complete' },
      { type: 'pong', payload: { at: 1 } },
    ];
    for (const msg of messages) expect(wire(msg)).toBe(JSON.stringify(msg));
  });
});
