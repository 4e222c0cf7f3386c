import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Logger } from '@ko/platform/logger';

/**
 * What graphql-ws's hooks see as `ctx.extra`: the socket. Not the upgrade request, which
 * graphql-ws/use/ws hands over too: the context lives as long as the connection, and so would
 * every request's headers.
 */
export interface WsExtra {
  socket: WebSocket;
}

/**
 * Holds a TCP socket's writes until the end of this turn of the event loop, then writes them
 * together: the frames one Kafka batch gives a client leave in one write instead of one each, and
 * so does every hop after (the router's pass-through, the client). A lone frame waits only for the
 * rest of the turn.
 */
class TurnWrites {
  private readonly corked = new Set<Socket>();
  private flushing: NodeJS.Immediate | undefined;

  hold(wire: Socket): void {
    if (this.corked.has(wire) || wire.destroyed) return;
    wire.cork();
    this.corked.add(wire);
    this.flushing ??= setImmediate(() => this.flush());
  }

  flush(): void {
    this.flushing = undefined;
    for (const wire of this.corked) wire.uncork();
    this.corked.clear();
  }
}

/**
 * graphql-ws served on a `ws` server, as graphql-ws/use/ws does, with two differences for a
 * fan-out to thousands of clients:
 * - a frame is handed to the socket without waiting for its write to finish: the fan-out bounds
 *   what a slow client may have unsent (Fanout's limits), so graphql-ws's wait per frame, a
 *   promise and a callback for every frame to every client, buys nothing here;
 * - frames written in one turn of the event loop leave a socket in one write (TurnWrites).
 */
export function serveGraphqlWs<P extends Record<string, unknown>>(
  options: ServerOptions<P, WsExtra>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
): { dispose(): Promise<void> } {
  const server = makeServer<P, WsExtra>(options);
  const turn = new TurnWrites();
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (error) => logger.error({ err: error }, 'WebSocket server error'));

  wss.on('connection', (socket, request) => {
    const internalError = (error: unknown) => {
      logger.error({ err: error }, 'graphql-ws connection error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    };
    socket.once('error', internalError);

    // A client that misses a pong for as long as the interval is gone: its socket is dropped.
    let pongWait: NodeJS.Timeout | undefined;
    const pinging = setInterval(() => {
      if (socket.readyState !== socket.OPEN || pongWait) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.ping();
    }, keepAliveMs);
    socket.on('pong', () => {
      clearTimeout(pongWait);
      pongWait = undefined;
    });

    const wire = request.socket;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          turn.hold(wire);
          socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (message) => {
            // ws hands over a Buffer: graphql-ws parses text.
            handle(String(message)).catch(internalError);
          }),
      },
      { socket },
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(pinging);
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      turn.flush();
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        wss.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
