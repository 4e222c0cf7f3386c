import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GatewayConfig } from './config';

/**
 * Query limits checked by the router before planning, so a query bomb never reaches a
 * subgraph: depth, aliases, tokens, directives and an estimated cost. Batched HTTP requests
 * are refused. The defaults leave room for the web client's largest operation (the
 * organizer dashboard) with a wide margin.
 */
export function queryLimits(config: GatewayConfig) {
  return new ApolloArmor({
    maxDepth: { n: config.MAX_QUERY_DEPTH },
    maxAliases: { n: config.MAX_QUERY_ALIASES },
    // Token counting is done by graphql-js's parser (`parseOptions.maxTokens` in the server):
    // armor's plugin for it rewrites every unexpected plugin error into a validation failure.
    maxTokens: { enabled: false },
    maxDirectives: { n: config.MAX_QUERY_DIRECTIVES },
    costLimit: { maxCost: config.MAX_QUERY_COST },
    // Introspection stays available to integrators; field suggestions would leak nothing more.
    blockFieldSuggestion: { enabled: false },
  }).protect();
}
