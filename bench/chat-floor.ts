/**
 * The chat fan-out's floor: one Node.js process with `ws` that speaks just enough of the
 * graphql-transport-ws protocol for the bench's graphql-ws clients (connection_init → ack,
 * ping → pong, subscribe, complete) and broadcasts each posted message to every subscription as
 * the same `next` frame the stack sends. No GraphQL execution, no Kafka, no router, no
 * database: what sending the frames alone costs on this machine.
 *
 *   PORT=<port> node --import tsx bench/chat-floor.ts
 *
 * POST /post {"body": "..."} broadcasts one message and answers once every frame is handed to
 * its socket; GET /stats answers {"subscriptions": n}; GET /health answers 200.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 0);
if (!port) {
  console.error('chat-floor: set PORT');
  process.exit(2);
}

/** Every live subscription: its socket and the id the client gave it. */
const subscriptions = new Map<WebSocket, Set<string>>();
let count = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** The same payload as the stack's `messagePosted` selection in the bench. */
function broadcast(body: string): string {
  const id = randomUUID();
  const payload = JSON.stringify({
    data: {
      messagePosted: {
        id,
        body,
        kind: 'MESSAGE',
        createdAt: new Date().toISOString(),
        author: { id: '00000000-0000-4000-8000-000000000000', name: 'Floor' },
      },
    },
  });
  for (const [socket, ids] of subscriptions)
    for (const subscriptionId of ids)
      socket.send(`{"id":${JSON.stringify(subscriptionId)},"type":"next","payload":${payload}}`);
  return id;
}

const server = createServer((req, res) => {
  if (req.url === '/health') return json(res, 200, { service: 'chat-floor' });
  if (req.url === '/stats') return json(res, 200, { subscriptions: count });
  if (req.url === '/post' && req.method === 'POST') {
    void readBody(req).then(
      (text) => {
        const { body } = JSON.parse(text) as { body: string };
        json(res, 200, { data: { postMessage: { id: broadcast(body) } } });
      },
      () => json(res, 400, { errors: [{ message: 'bad request' }] }),
    );
    return;
  }
  json(res, 404, { errors: [{ message: 'not found' }] });
});
// Longer than the pauses between the bench's steps: a keep-alive socket the server closes while
// the client reuses it fails a post (ECONNRESET), which would end the floor's ladder early.
server.keepAliveTimeout = 65_000;

const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  const ids = new Set<string>();
  subscriptions.set(socket, ids);
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe' && message.id) {
      ids.add(message.id);
      count += 1;
    } else if (message.type === 'complete' && message.id && ids.delete(message.id)) count -= 1;
  });
  socket.on('close', () => {
    count -= ids.size;
    subscriptions.delete(socket);
  });
});

server.listen(port, '127.0.0.1', () =>
  console.log(JSON.stringify({ msg: 'chat floor ready', port })),
);

const stop = () => {
  for (const socket of subscriptions.keys()) socket.terminate();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
