import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev -w client`: the dev server proxies /graphql (HTTP and WebSocket) to the router,
// so the page talks to its own origin.
const router = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:4000/graphql';

/** Ships the operations codegen registered as dist/persisted-documents.json: the router's TRUSTED_DOCUMENTS. */
function trustedDocumentsManifest(): Plugin {
  return {
    name: 'ko-trusted-documents',
    apply: 'build',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'persisted-documents.json',
        source: readFileSync(
          new URL('./src/gql/persisted-documents.json', import.meta.url),
          'utf8',
        ),
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), trustedDocumentsManifest()],
  server: {
    port: Number(process.env.CLIENT_PORT ?? 5173),
    proxy: { '/graphql': { target: new URL(router).origin, ws: true, changeOrigin: true } },
  },
  // No source maps in the build: it is what production serves (serve.ts refuses .map files too).
  build: { outDir: 'dist', sourcemap: false, target: 'es2022' },
});
