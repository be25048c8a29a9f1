// graphql-ws on a `ws` server, in place of graphql-ws/use/ws, for what a socket costs at 10,000
// subscribers: no ping timer of its own per socket (ws.ts's one heartbeat covers every socket),
// no promise and callback per message while the socket has nothing buffered (a socket with a
// backlog is waited for, so a slow reader still holds its subscription back), and `subscribe`
// messages taken before graphql-ws sees them (ws-subscribe.ts runs them). Errors close the
// socket with 1011 as the library's own glue does.
import type { IncomingMessage } from 'node:http';
import {
  CloseCode,
  handleProtocols,
  makeServer,
  type ServerOptions,
  type WebSocket as GraphqlWsSocket,
} from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

export interface GraphqlWsServer {
  dispose(): Promise<void>;
}

const reasonOf = (err: unknown, production: boolean) => {
  if (production) return 'Internal server error';
  const text = err instanceof Error ? err.message : String(err);
  // a close reason is at most 123 bytes
  return Buffer.byteLength(text) > 120 ? 'Internal server error' : text;
};

/**
 * Writes a message to the socket at once; while the socket has a backlog, a promise of its
 * write (the caller waits: a slow reader holds its own operation back). Nothing on a closed socket.
 */
export function sendText(socket: WebSocket, text: string): Promise<void> | undefined {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount === 0) {
    socket.send(text);
    return;
  }
  // a write that fails because the peer went away is no failure of ours: the close ends the operation
  return new Promise<void>((resolve, reject) =>
    socket.send(text, (err) => (err && socket.readyState === socket.OPEN ? reject(err) : resolve())),
  );
}

/** Takes a message before graphql-ws sees it (true: taken; ws-subscribe.ts runs `subscribe` messages). */
export type MessageTaker = (socket: WebSocket, data: string) => boolean;

/** graphql-ws's view of one socket (a class: its methods are not closures per socket). */
class SocketAdapter implements GraphqlWsSocket {
  constructor(
    private readonly socket: WebSocket,
    private readonly internal: (socket: WebSocket, err: unknown) => void,
    private readonly take: MessageTaker | undefined,
  ) {}
  get protocol() {
    return this.socket.protocol;
  }
  send(data: string): Promise<void> | undefined {
    return sendText(this.socket, data);
  }
  close(code?: number, reason?: string) {
    this.socket.close(code, reason);
  }
  onMessage(cb: (data: string) => Promise<void>) {
    const socket = this.socket;
    const take = this.take;
    socket.on('message', (data) => {
      const text = String(data);
      if (take?.(socket, text)) return;
      cb(text).catch((err: unknown) => this.internal(socket, err));
    });
  }
}

/** A failure of the transport: logged, and the socket closed 1011 (as graphql-ws's own glue does). */
export function internalError(production: boolean) {
  return (socket: WebSocket, err: unknown) => {
    console.error('Internal error in a GraphQL WebSocket', err);
    socket.close(CloseCode.InternalServerError, reasonOf(err, production));
  };
}

function ignorePeerError(): void {}

export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E>(
  options: ServerOptions<P, E>,
  wss: WebSocketServer,
  extraOf: (socket: WebSocket, request: IncomingMessage) => E,
  production: boolean,
  take?: MessageTaker,
): GraphqlWsServer {
  const server = makeServer<P, E>(options);
  wss.options.handleProtocols = handleProtocols;
  const internal = internalError(production);
  wss.on('connection', (socket, request) => {
    // a socket's own errors are the peer's (a frame over the size limit, a bad frame, a reset):
    // `ws` has already closed it with the right code (1009, 1002…), so they are not logged as
    // ours; the listener only keeps them from being thrown. A shared function, not one per socket.
    socket.on('error', ignorePeerError);
    const closed = server.opened(new SocketAdapter(socket, internal, take), extraOf(socket, request));
    socket.on('close', (code, reason) => void closed(code, String(reason)));
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
