/**
 * Hive Gateway (@graphql-hive/gateway) as the browse benchmark's comparison router: its own
 * process, one Node.js process like ours (no forks), serving the supergraph SDL that
 * supergraph/src/composition.ts composed for the bench's stack, over the same subgraph processes.
 *
 *   SUPERGRAPH_FILE=<sdl file> PORT=<port> [HIVE_ROUTER_RUNTIME=true] node --import tsx bench/hive-gateway.ts
 *
 * HIVE_ROUTER_RUNTIME=true plans with Hive Router's Rust query planner and its executor
 * (@graphql-hive/router-runtime's `unifiedGraphHandler`, a native addon) instead of the default
 * JavaScript stitching runtime: the bench runs both, as two comparisons.
 *
 * Health: GET /health answers 200 once the supergraph is loaded (a query to __typename
 * went through the runtime), so the bench's ManagedProcess can wait on it like on our services.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

const file = process.env.SUPERGRAPH_FILE;
const port = Number(process.env.PORT ?? 0);
if (!file || !port) {
  console.error('hive-gateway: set SUPERGRAPH_FILE and PORT');
  process.exit(2);
}

const gateway = createGatewayRuntime({
  supergraph: readFileSync(file, 'utf8'),
  // Only problems in the log: the bench measures serving, not logging.
  logging: 'warn',
  graphqlEndpoint: '/graphql',
  landingPage: false,
  ...(process.env.HIVE_ROUTER_RUNTIME === 'true' ? { unifiedGraphHandler } : {}),
  // HIVE_DEDUPLICATE=false turns off its in-flight deduplication of identical subgraph requests
  // (on by default), to see how much of its throughput that feature accounts for.
  ...(process.env.HIVE_DEDUPLICATE === 'false'
    ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }
    : {}),
});

let ready = false;
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'hive-gateway', ready }));
    return;
  }
  void gateway(req, res);
});
// Same keep-alive window as Node's default for our router, so neither closes idle bench sockets first.
server.keepAliveTimeout = 5_000;

server.listen(port, '127.0.0.1', () => {
  // The runtime loads the supergraph on its first request; make that happen before we say ready.
  void fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  })
    .then(async (response) => {
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 300)}`);
      ready = true;
      console.log(JSON.stringify({ msg: 'hive gateway ready', port }));
    })
    .catch((error: unknown) => {
      console.error('hive-gateway: the supergraph did not load:', error);
      process.exit(1);
    });
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => void Promise.resolve(gateway.dispose()).finally(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
