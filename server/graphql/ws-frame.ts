// A WebSocket text frame as a server sends it (RFC 6455 §5.2: final, unmasked, no extension
// bits): the header, then the frame's text as two byte runs — a live event's `next` message is
// the subscriber's own prefix and the payload bytes shared by its audience — in one buffer, so
// that a direct delivery is one write to the connection's TCP socket (live-direct.ts).

/** The frame holding the text `head` + `body` (both UTF-8), ready for the TCP socket. */
export function textFrame(head: Uint8Array, body: Uint8Array): Buffer {
  const length = head.length + body.length;
  const offset = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(head, offset);
  frame.set(body, offset + head.length);
  return frame;
}
