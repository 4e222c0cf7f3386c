import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { graphql } from '../gql';
import type { TicketsSoldSubscription, TierAvailabilityFragment } from '../gql/graphql';
import { UNKEYED_TYPES } from '../gql/schema-meta';
import type { RuntimeConfig } from '../config';
import { trustedDocumentsExchange } from './trusted-documents';

const TierAvailability = graphql(`
  fragment TierAvailability on TicketTier {
    id
    available
  }
`);

/** A live sale moves the tier's availability everywhere it is shown (tiers are normalized). */
function applySale(cache: Cache, update: TicketsSoldSubscription['ticketsSold']): void {
  // __typename lets the cache key the tier; the fragment type does not list it.
  cache.writeFragment(TierAvailability, {
    __typename: 'TicketTier',
    id: update.tierId,
    available: update.available,
  } as TierAvailabilityFragment);
}

export interface GraphQLConnection {
  client: Client;
  dispose(): void;
}

/**
 * One urql client per signed-in identity: signing in or out builds a new one, so the
 * normalized cache never shows one person's data to the next, and the WebSocket carries the
 * right token in its connectionParams.
 */
export function createGraphQLConnection(
  config: RuntimeConfig,
  token: string | null,
  onReconnected?: () => void,
): GraphQLConnection {
  const authorization = token ? `Bearer ${token}` : undefined;
  const ws: WsClient = createWsClient({
    url: config.wsUrl,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 20,
    shouldRetry: () => true,
    // Whatever happened while the socket was down was not delivered: pages re-read on this.
    on: { connected: (_socket, _payload, wasRetry) => wasRetry && onReconnected?.() },
  });
  const client = new Client({
    url: config.graphqlUrl,
    // POST only: the router's CSRF protection refuses simple GET requests.
    preferGetMethod: false,
    fetchOptions: (): RequestInit => (authorization ? { headers: { authorization } } : {}),
    exchanges: [
      cacheExchange({
        keys: Object.fromEntries(UNKEYED_TYPES.map((name) => [name, () => null])),
        resolvers: { Query: { events: relayPagination() } },
        updates: {
          Subscription: {
            ticketsSold: (result, _args, cache) => {
              const update = (result as TicketsSoldSubscription).ticketsSold;
              if (update) applySale(cache, update);
            },
          },
        },
      }),
      trustedDocumentsExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
