// `npm run serve -w client`: serves the built client. Environment: CLIENT_PORT (5173), HOST
// (127.0.0.1), GRAPHQL_URL (the router, http://localhost:4000/graphql).
import { join } from 'node:path';
import { startClientServer } from '../serve';

async function main(): Promise<void> {
  const server = await startClientServer({
    port: Number(process.env.CLIENT_PORT ?? 5173),
    host: process.env.HOST ?? '127.0.0.1',
    graphqlUrl: process.env.GRAPHQL_URL ?? 'http://localhost:4000/graphql',
    distDir: join(__dirname, '..', 'dist'),
  });
  console.log(`KO Ticket Master web client: ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`[client] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
