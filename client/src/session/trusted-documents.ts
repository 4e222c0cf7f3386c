import { makeOperation, type Exchange, type Operation } from 'urql';
import { filter, map, pipe } from 'wonka';

/** The hash the codegen build embeds in each document (client preset, persistedDocuments). */
const documentHash = (operation: Operation): string | undefined =>
  (operation.query as { __meta__?: { hash?: unknown } }).__meta__?.hash as string | undefined;

const withoutHash = (operation: Operation): Operation => {
  const { persistedQuery: _dropped, ...extensions } = operation.extensions ?? {};
  return { ...makeOperation(operation.kind, operation), extensions };
};

/**
 * Sends queries and mutations as trusted documents: by their build-time hash alone
 * (`extensions.persistedQuery.sha256Hash`), which the router resolves from the manifest this
 * build writes (dist/persisted-documents.json, the router's TRUSTED_DOCUMENTS). A router
 * without that manifest answers PERSISTED_QUERY_NOT_FOUND once; from then on this client
 * sends the full text instead.
 */
export const trustedDocumentsExchange: Exchange = ({ forward, client }) => {
  let routerHasManifest = true;
  return (operations$) => {
    const hashed$ = pipe(
      operations$,
      map((operation) => {
        const hash = documentHash(operation);
        if (
          !routerHasManifest ||
          !hash ||
          (operation.kind !== 'query' && operation.kind !== 'mutation')
        )
          return operation;
        const hashed: Operation = {
          ...operation,
          extensions: { ...operation.extensions, persistedQuery: { version: 1, sha256Hash: hash } },
        };
        return hashed;
      }),
    );
    return pipe(
      forward(hashed$),
      filter((result) => {
        const missing = result.error?.graphQLErrors.some(
          (e) =>
            e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND' ||
            e.message === 'PersistedQueryNotFound',
        );
        if (!missing || !result.operation.extensions?.persistedQuery) return true;
        routerHasManifest = false;
        client.reexecuteOperation(withoutHash(result.operation));
        return false;
      }),
    );
  };
};
