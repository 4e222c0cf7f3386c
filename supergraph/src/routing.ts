import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { httpRequest, isConnectFailure } from '@ko/platform/http-client';
import { REQUEST_START_HEADER, requestStartValue } from '@ko/platform/request-start';
import type { Metrics } from './metrics';
import type { InstanceState, Registry } from './registry';

export interface RouterContext {
  authorization?: string;
  clientAddress?: string;
  /** When the router received the request (ms since the epoch), stated to every subgraph. */
  receivedAt?: number;
}

const isMutation = (body: unknown) =>
  typeof body === 'string' && /"query"\s*:\s*"\s*mutation\b/.test(body);

export class SubgraphUnavailableError extends GraphQLError {
  constructor(subgraph: string, reason: string) {
    super(`The ${subgraph} service is unavailable right now (${reason}); try again shortly.`, {
      extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: subgraph },
    });
  }
}

/**
 * Sends one subgraph fetch to a healthy instance from the registry, with a time limit. A query
 * whose connection fails is retried once on another instance; a mutation never is, since it
 * may have been applied.
 */
export function routingFetcher(
  subgraph: string,
  registry: Registry,
  metrics: Metrics,
  timeoutMs: number,
): Fetcher {
  const attempt = async (
    instance: InstanceState,
    init: FetcherRequestInit,
  ): Promise<FetcherResponse> => {
    const timer = metrics.subgraphDuration.startTimer({ subgraph });
    try {
      const response = await httpRequest(instance.url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        timeoutMs,
      });
      metrics.subgraphRequests.inc({
        subgraph,
        instance: instance.url,
        outcome: response.ok ? 'ok' : `http_${response.status}`,
      });
      return response;
    } catch (error) {
      metrics.subgraphRequests.inc({
        subgraph,
        instance: instance.url,
        outcome: isConnectFailure(error) ? 'connect_error' : 'error',
      });
      throw error;
    } finally {
      timer();
    }
  };

  return async (_url, init = {}) => {
    const first = registry.pick(subgraph);
    if (!first) throw new SubgraphUnavailableError(subgraph, 'no instance is registered');
    try {
      return await attempt(first, init);
    } catch (error) {
      if ((error as Error).name === 'TimeoutError')
        throw new SubgraphUnavailableError(subgraph, `no answer within ${timeoutMs} ms`);
      if (!isConnectFailure(error)) throw error;
      registry.reportFailure(subgraph, first, (error as Error).message);
      const second = registry.pick(subgraph, first);
      if (isMutation(init.body) || !second || second === first)
        throw new SubgraphUnavailableError(subgraph, 'connection failed');
      try {
        return await attempt(second, init);
      } catch (retryError) {
        if (isConnectFailure(retryError))
          registry.reportFailure(subgraph, second, String(retryError));
        throw new SubgraphUnavailableError(subgraph, 'connection failed');
      }
    }
  };
}

/** Forwards the caller's token (each subgraph verifies it) and routes through the registry. */
export class RoutingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<RouterContext>['willSendRequest']>>[0]) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    // The router is the edge: it states the client's address rather than passing one on.
    if (context.clientAddress) request.http?.headers.set('x-forwarded-for', context.clientAddress);
    // And when the request came, before any wait in here (request-start.ts).
    if (context.receivedAt)
      request.http?.headers.set(REQUEST_START_HEADER, requestStartValue(context.receivedAt));
  }

  /**
   * A subgraph that refuses a request (400 for bad variables, 401 for a bad token) still
   * explains why in GraphQL errors: pass its first error on, rather than a generic wrapper
   * that would also leak the subgraph's internal URL.
   */
  override async errorFromResponse(response: FetcherResponse) {
    const body = (await response.json().catch(() => undefined)) as
      { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
    const first = body?.errors?.[0];
    if (first)
      return new GraphQLError(first.message, {
        extensions: { code: 'INTERNAL_SERVER_ERROR', ...first.extensions },
      });
    return new GraphQLError('A service behind the router failed; try again shortly.', {
      extensions: { code: 'SERVICE_UNAVAILABLE', status: response.status },
    });
  }
}
