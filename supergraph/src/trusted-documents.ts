import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A manifest of operations registered at build time: `{ "<sha256>": "<document>" }`. */
export function readManifest(path: string): Map<string, string> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  const manifest = new Map<string, string>();
  for (const [hash, document] of Object.entries(raw)) {
    if (sha256(document) !== hash)
      throw new Error(`${path}: the hash of an operation does not match its text (${hash})`);
    manifest.set(hash, document);
  }
  return manifest;
}

/**
 * Trusted documents. Registered operations can be sent by hash alone (the persisted-query
 * extension, as the web client does). With `only`, nothing else runs: no ad-hoc queries and
 * no automatic persisted queries — the mode for a router that serves first-party apps only.
 * Without it, integrators may send any query, and register theirs by APQ.
 */
export function trustedDocumentsPlugin(
  manifest: Map<string, string>,
  only: boolean,
): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const hash = (request.extensions?.persistedQuery as { sha256Hash?: string } | undefined)
        ?.sha256Hash;
      if (!request.query && hash && manifest.has(hash)) request.query = manifest.get(hash);
      if (!only) return;
      return {
        // Errors thrown here (unlike earlier hooks) go to the client as they are; it still runs
        // before any subgraph is called.
        async didResolveOperation({ source }) {
          if (!manifest.has(sha256(source))) {
            throw new GraphQLError(
              'This router accepts only the registered operations of KO Ticket Master apps.',
              {
                extensions: { code: 'PERSISTED_QUERY_NOT_ALLOWED', http: { status: 400 } },
              },
            );
          }
        },
      };
    },
  };
}
