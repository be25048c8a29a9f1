// A live event's `next` payload is serialised once per payload object (one per event and
// audience) and each subscriber's message is its own id around it: the text sent is exactly what
// graphql-ws's stringifyMessage gives for the whole message, and an object is serialised only
// once however many subscribers share it.
import { MessageType, stringifyMessage } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { nextMessage } from '../../server/graphql/ws-shared-json.ts';

/** The `next` message as ws-subscribe.ts and live-direct.ts write it. */
const wire = (msg: { id: string; payload: object }) => nextMessage(msg.id, msg.payload);

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
    const sent = ['s1', 's2', 's3'].map((id) => wire({ id, payload: mine.result }));
    const other = wire({ id: 's4', payload: theirs.result });
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

  it("gives exactly graphql-ws's message text, whatever the id holds", () => {
    const payload = { data: { x: 'a "quoted" \u0000 value', n: [1, 2] }, errors: [{ message: 'm' }] };
    for (const id of ['plain', '\u0000portwatch-shared-payload', '"payload":x', 'ünï \u2028 id']) {
      expect(wire({ id, payload })).toBe(stringifyMessage({ id, type: MessageType.Next, payload }));
    }
  });
});
