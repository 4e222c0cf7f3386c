import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import {
  tokenRefusedError,
  viewerFromAuthorization,
  type TokenVerifier,
  type Viewer,
} from './auth';
import { clientAddressOf, type ProxyTrust } from './client-address';
import { requestStartOf } from './request-start';
import { formatForClient } from './errors';
import { locateAnswersWithoutFrames } from './located-answers';
import { healthRoute, type ReadinessCheck } from './health';
import { rejectUnsafeCharacters } from './input-guard';
import { listen, type LargeBody, type Route, type RunningHttpService } from './http';
import type { Logger } from './logger';
import {
  RequestBudget,
  currentRequestBudget,
  loadRequestLimits,
  withRequestBudget,
  type RequestLimits,
} from './request-budget';

/** What every resolver gets; services add their own per-request parts (loaders). */
export interface RequestContext extends BaseContext {
  viewer: Viewer | null;
  logger: Logger;
  /** The caller's Authorization header, to forward when this service calls another (ServiceClient). */
  authorization?: string;
  /**
   * The caller's network address, as a limit's key (client-address.ts): the peer's, or what a
   * trusted proxy (the router, by TRUST_PROXY) says in `x-forwarded-for`.
   */
  clientAddress: string;
  /**
   * When the request reached the router (request-start.ts): the moment a caller asked, however
   * long the request waited on its way here.
   */
  receivedAt: Date;
}

export interface SubgraphOptions<C extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<C>;
  port: number;
  host: string;
  logger: Logger;
  verifyToken: TokenVerifier;
  /** Adds service-specific parts to the base context, once per request. */
  extendContext: (base: RequestContext) => C;
  readiness: Record<string, ReadinessCheck>;
  routes?: Record<string, Route>;
  /** Hide internal error messages (production). */
  maskInternalErrors?: boolean;
  /** Per-request budgets; read from the environment when not given (request-budget.ts). */
  limits?: RequestLimits;
  /** Peers whose `x-forwarded-for` and `x-request-start` are believed (the router's address, TRUST_PROXY); none by default. */
  trustProxy?: ProxyTrust;
  /** The one kind of request that may have a bigger body than the default (an upload). */
  largeBody?: LargeBody;
}

export interface RunningSubgraph extends RunningHttpService {
  apollo: ApolloServer<RequestContext>;
}

/** Maps domain failures to contract codes; anything unexpected is logged and masked. */
export function formatErrorFor(logger: Logger, mask: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown) =>
    formatForClient(formatted, unwrapResolverError(error), { logger, mask, where: 'resolver' });
}

/**
 * A request that went over its row or statement budget fails as a whole, with that reason,
 * rather than answering the part it got to.
 */
function budgetGuard<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const exceeded = currentRequestBudget()?.exceeded;
          if (!exceeded || response.body.kind !== 'single') return;
          response.body.singleResult = {
            errors: [
              {
                message: exceeded.message,
                extensions: { code: exceeded.code, ...exceeded.details },
              },
            ],
          };
        },
      };
    },
  };
}

/** Boots one federated subgraph over HTTP with /graphql and /health. */
export async function startSubgraph<C extends RequestContext>(
  options: SubgraphOptions<C>,
): Promise<RunningSubgraph> {
  const { logger } = options;
  locateAnswersWithoutFrames();
  const limits = options.limits ?? loadRequestLimits();
  const schema = buildSubgraphSchema({
    typeDefs: options.typeDefs,
    resolvers: options.resolvers as GraphQLResolverMap<unknown>,
  });
  const apollo = new ApolloServer<C>({
    schema,
    formatError: formatErrorFor(logger, options.maskInternalErrors ?? false),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      rejectUnsafeCharacters<C>(),
      budgetGuard<C>(),
    ],
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (lifecycle.ts): Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const trustProxy = options.trustProxy ?? (() => false);
  const context = async (req: IncomingMessage): Promise<C> => {
    let viewer: Viewer | null;
    try {
      viewer = await viewerFromAuthorization(req.headers.authorization, options.verifyToken);
    } catch (error) {
      throw tokenRefusedError(error);
    }
    return options.extendContext({
      viewer,
      logger,
      authorization: req.headers.authorization,
      clientAddress: clientAddressOf(req, trustProxy),
      receivedAt: requestStartOf(req, trustProxy),
    });
  };
  const http = await listen<C>(
    {
      logger,
      routes: { '/health': healthRoute(options.name, options.readiness), ...options.routes },
      apollo: {
        server: apollo,
        context,
        perRequest: (work) => withRequestBudget(new RequestBudget(limits), work),
        maxResponseBytes: limits.MAX_RESPONSE_BYTES,
        largeBody: options.largeBody,
      },
    },
    options.port,
    options.host,
  );
  logger.info({ url: `${http.url}/graphql` }, `${options.name} subgraph listening`);
  return {
    ...http,
    apollo: apollo as unknown as ApolloServer<RequestContext>,
    close: async () => {
      await http.close();
      await apollo.stop();
    },
  };
}

/** A subgraph's resolver map, typed by its context. */
export type Resolvers<C> = GraphQLResolverMap<C>;
