import type { IncomingMessage } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { createLogger, listen, readServiceList, sendJson } from '@ko/platform';
import { composeSupergraph } from './composition';
import { loadGatewayConfig, type GatewayConfig } from './config';

export interface GatewayContext extends BaseContext {
  authorization?: string;
}

/** Forwards the caller's token: each subgraph verifies it itself. */
class AuthForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }

  /**
   * A subgraph that refuses a request (400 for bad variables, 401 for a bad token) still
   * explains why in GraphQL errors: pass its first error on, rather than a generic wrapper
   * that would also leak the subgraph's internal URL.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    const body = (await response.json().catch(() => undefined)) as
      | { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }
      | undefined;
    const first = body?.errors?.[0];
    if (first) return new GraphQLError(first.message, { extensions: { code: 'INTERNAL_SERVER_ERROR', ...first.extensions } });
    return new GraphQLError('A service behind the router failed; try again shortly.', {
      extensions: { code: 'SERVICE_UNAVAILABLE', status: response.status },
    });
  }
}

export async function start(config: GatewayConfig = loadGatewayConfig()) {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const list = readServiceList(config.SERVICE_LIST);
  // Composition errors stop the start here, with the errors in the message.
  const supergraphSdl = composeSupergraph(list);
  logger.info({ subgraphs: list.subgraphs.map((s) => s.name) }, 'supergraph composed');

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) => new AuthForwardingDataSource({ url }),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    plugins: [
      config.NODE_ENV === 'production'
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
    includeStacktraceInErrorResponses: false,
  });
  await apollo.start();

  const http = await listen<GatewayContext>(
    {
      logger,
      apollo: {
        server: apollo,
        context: async (req: IncomingMessage) => ({ authorization: req.headers.authorization }),
      },
      routes: {
        '/health': (_req, res) => sendJson(res, 200, { service: 'gateway', status: 'ok', live: true, ready: true }),
      },
    },
    config.PORT,
    config.HOST,
  );
  logger.info({ url: `${http.url}/graphql` }, 'gateway listening');
  return {
    url: `${http.url}/graphql`,
    port: http.port,
    stop: async () => {
      await http.close();
      await apollo.stop();
    },
  };
}
