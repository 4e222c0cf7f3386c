import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RouterConfig } from './config';
import { CostModel, tooExpensive } from './cost';

/**
 * Query limits checked by the router before planning, so a query bomb never reaches a
 * subgraph: depth, aliases, tokens, directives (graphql-armor), and the operation's cost and
 * its number of expensive fields (cost.ts, from the schema's `@cost`/`@listSize`). Batched HTTP
 * requests are refused. The defaults leave room for the web client's largest operation (the
 * organizer dashboard) with a wide margin.
 */
export function queryLimits(config: RouterConfig, supergraphSdl: () => string) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.MAX_QUERY_DEPTH },
    maxAliases: { n: config.MAX_QUERY_ALIASES },
    // Token counting is done by graphql-js's parser (`parseOptions.maxTokens` in the server):
    // armor's plugin for it rewrites every unexpected plugin error into a validation failure.
    maxTokens: { enabled: false },
    maxDirectives: { n: config.MAX_QUERY_DIRECTIVES },
    // Armor's cost limit cannot see the schema (list sizes, defaults, variables): costLimit() below.
    costLimit: { enabled: false },
    // Without introspection, "Did you mean …" would hand the schema out field by field.
    blockFieldSuggestion: { enabled: !config.INTROSPECTION },
  }).protect();
  return {
    validationRules: armor.validationRules,
    plugins: [...armor.plugins, costLimit(config, supergraphSdl)],
  };
}

/**
 * Refuses an operation whose cost or count of expensive fields is over the limit, once its
 * variables are known and before the gateway plans or calls anything.
 */
export function costLimit<C extends object>(
  config: Pick<RouterConfig, 'MAX_QUERY_COST' | 'MAX_EXPENSIVE_FIELDS'>,
  supergraphSdl: () => string,
): ApolloServerPlugin<C> {
  let model: { sdl: string; model: CostModel } | undefined;
  const current = () => {
    const sdl = supergraphSdl();
    if (model?.sdl !== sdl) model = { sdl, model: new CostModel(sdl) };
    return model.model;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return; // Apollo has already refused it
          const { cost, expensive } = current().measure(document, operation, request.variables);
          if (cost > config.MAX_QUERY_COST)
            throw tooExpensive(
              `This query could cost ${cost}, over the limit of ${config.MAX_QUERY_COST}: ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
              { cost, maxCost: config.MAX_QUERY_COST },
            );
          if (expensive > config.MAX_EXPENSIVE_FIELDS)
            throw tooExpensive(
              `This query asks for up to ${expensive} expensive fields (such as \`pdf\` or \`salesReport\`), over the limit of ${config.MAX_EXPENSIVE_FIELDS} a request: ask for them one at a time.`,
              { expensiveFields: expensive, maxExpensiveFields: config.MAX_EXPENSIVE_FIELDS },
            );
        },
      };
    },
  };
}
