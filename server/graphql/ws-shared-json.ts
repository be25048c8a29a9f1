// The `next` message of a live event serialised once per audience. shared-events.ts hands one
// result object to every subscriber of an audience (same operation, variables and visibility);
// here that object's JSON is made once and spliced into each subscriber's message, which
// differs only by its subscription id: `{"id":"<id>","type":"next","payload":<shared JSON>}`.
//
// graphql-ws builds every message with JSON.stringify(message, replacer) and hands the text to
// the socket's send() at once, in the same synchronous step. The replacer swaps a `next`
// message's payload for a marker and parks the payload's JSON (cached per payload object, so
// per event and audience); send() takes the parked JSON and puts it where the marker is. A
// payload object is never changed after it is produced (shared-events.ts, codedResult), so its
// cached JSON stays true. Only identical objects share JSON: a subscriber whose visibility
// differs has its own result object, and so its own bytes.

const MARKER = '\u0000portwatch-shared-payload';
const MARKER_JSON = JSON.stringify(MARKER);

const jsonOf = new WeakMap<object, string>();
let parked: string | null = null;

/** JSON of a payload object, made on first use and reused for the same object. */
export function payloadJson(payload: object): string {
  let json = jsonOf.get(payload);
  if (json === undefined) {
    json = JSON.stringify(payload);
    jsonOf.set(payload, json);
  }
  return json;
}

/** graphql-ws's `jsonMessageReplacer`: a `next` message's payload becomes the marker (its JSON parked). */
export function sharedPayloadReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
  const holder = this as { type?: unknown; id?: unknown };
  if (holder.type !== 'next' || typeof holder.id !== 'string') return value;
  parked = payloadJson(value);
  return MARKER;
}

/**
 * The message text to write: the parked payload JSON in place of the marker. Called for every
 * message graphql-ws sends, right after it was stringified; a message without a parked payload
 * passes unchanged. The payload is the message's last key, so the marker is its last occurrence
 * (a client's id cannot push it further).
 */
export function spliceSharedPayload(data: string): string {
  const json = parked;
  if (json === null) return data;
  parked = null;
  const at = data.lastIndexOf(MARKER_JSON);
  if (at < 0) throw new Error('shared payload marker missing from the message');
  return data.slice(0, at) + json + data.slice(at + MARKER_JSON.length);
}
