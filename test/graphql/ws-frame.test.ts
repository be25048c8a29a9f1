// A live event's frame is written to the connection's TCP socket as one buffer (ws-frame.ts): a
// WebSocket client (ws) must read it as the text message it holds, whatever its length (the
// three length encodings of RFC 6455) and its characters, between messages ws sends itself.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../../server/graphql/ws-frame.ts';

let wss: WebSocketServer;
let url: string;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const c of wss.clients) c.terminate();
  return new Promise((r) => wss.close(r));
});

/** Exactly n bytes of UTF-8 text, with one-, two- and four-byte characters (the pattern is 9 bytes). */
const text = (n: number) => `${'aé😀"\n'.repeat(Math.floor(n / 9))}${'x'.repeat(n % 9)}`;

describe('textFrame', () => {
  it('reads as the text it holds at every length encoding, in order with ws’s own messages', async () => {
    // the length encodings' edges; each text split at a byte that may fall inside a character
    // (a prefix of its own and a shared rest)
    const texts = [0, 1, 60, 124, 125, 126, 127, 128, 1000, 65_535, 65_536, 65_537, 70_000, 200_000].map(text);
    const frames = texts.map((t) => {
      const bytes = Buffer.from(t);
      const cut = Math.floor(bytes.length / 3) + 1;
      return textFrame(bytes.subarray(0, cut), bytes.subarray(cut));
    });
    const client = new WebSocket(url);
    const got: { data: string; binary: boolean }[] = [];
    const done = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer, binary) => {
        got.push({ data: data.toString(), binary });
        if (got.length === texts.length * 2) resolve();
      }),
    );
    const [server, request] = await new Promise<[WebSocket, import('node:http').IncomingMessage]>((r) =>
      wss.once('connection', (s, req) => r([s, req])),
    );
    for (const [i, frame] of frames.entries()) {
      request.socket.write(frame);
      server.send(`ws ${i}`);
    }
    await done;
    const expected = texts.flatMap((t, i) => [t, `ws ${i}`]);
    // compared as lengths and equalities: a failure prints no 200 KB strings
    expect(got.map((g) => Buffer.byteLength(g.data))).toEqual(expected.map((t) => Buffer.byteLength(t)));
    expect(got.map((g, i) => g.data === expected[i] && !g.binary)).toEqual(expected.map(() => true));
    client.close();
  });
});
