// The `next` message of a live event serialised once per audience. shared-events.ts hands one
// result object to every subscriber of an audience (same operation, variables and visibility);
// here that object's JSON is made once and each subscriber's message is its own id around it:
// `{"id":"<id>","type":"next","payload":<shared JSON>}` — exactly the text graphql-ws's
// stringifyMessage gives for the message. A payload object is never changed after it is produced
// (shared-events.ts, codedResult), so its cached JSON stays true. Only identical objects share
// JSON: a subscriber whose visibility differs has its own result object, and so its own bytes.

const jsonOf = new WeakMap<object, string>();
const bytesOf = new WeakMap<object, Buffer>();

/** JSON of a payload object, made on first use and reused for the same object. */
function payloadJson(payload: object): string {
  let json = jsonOf.get(payload);
  if (json === undefined) {
    json = JSON.stringify(payload);
    jsonOf.set(payload, json);
  }
  return json;
}

/** The start of operation `id`'s `next` messages (live-direct.ts keeps it per subscription). */
export function nextPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":`;
}

/** Operation `id`'s `next` message for `payload`, its JSON shared with every message of the same object. */
export function nextMessage(id: string, payload: object): string {
  return `${nextPrefix(id)}${payloadJson(payload)}}`;
}

/**
 * The UTF-8 bytes that end every `next` message of `payload`: its JSON and the message's closing
 * brace, made once per payload object (a direct delivery frames them after its id's prefix).
 */
export function payloadBytes(payload: object): Buffer {
  let bytes = bytesOf.get(payload);
  if (bytes === undefined) {
    bytes = Buffer.from(`${payloadJson(payload)}}`);
    bytesOf.set(payload, bytes);
  }
  return bytes;
}
