// First: the gateway's libraries are read through flat exports from here on (see the module).
import './flat-exports';
import { unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, type SupergraphSdlUpdateFunction } from '@apollo/gateway';
import { clientAddressOf } from '@ko/platform/client-address';
import { createLogger, type Logger } from '@ko/platform/logger';
import { createServiceTokenVerifier } from '@ko/platform/session-check';
import { listen, sendJson, type Route } from '@ko/platform/http';
import { readServiceList, type ServiceList } from '@ko/platform/service-list';
import { rejectUnsafeCharacters } from '@ko/platform/input-guard';
import { EVENT_IMAGE_BODY_BYTES, onlyMutationOf } from '@ko/platform/uploads';
import { viewerFromAuthorization, tokenRefusedError } from '@ko/platform/auth';
import { composeSupergraph } from './composition';
import { deduplicateQueries } from './deduplication';
import { loadRouterConfig, type RouterConfig } from './config';
import { IMAGE_PATH, imageProxy } from './image-proxy';
import { queryLimits } from './limits';
import { createMetrics, type Metrics } from './metrics';
import { readManifest, trustedDocumentsPlugin } from './trusted-documents';
import { Registry, SUBSCRIPTIONS } from './registry';
import { TICKET_SIGNING_KEY_PATH, ticketSigningKeyRoute } from './well-known';
import { RoutingDataSource, routingFetcher, type RouterContext } from './routing';
import { proxyWebSockets } from './websocket-proxy';
import { LiveRelay } from './live-relay';
import { yieldingOperations } from './yielding-operations';
import { refusalLog, sheddingOperations } from './shedding-operations';
import { LoopDelay } from '@ko/platform/loop-delay';

function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, errors, response }) {
          const type = operation?.operation ?? 'unknown';
          const failed =
            (errors?.length ?? 0) > 0 ||
            (response.body.kind === 'single' &&
              (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.requests.inc({ operation_type: type, outcome: failed ? 'error' : 'ok' });
          metrics.requestDuration.observe(
            { operation_type: type },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
}

/**
 * Keeps the supergraph in step with the service list: instances join and leave rotation at
 * once; a schema change is composed and swapped in; a change that does not compose is
 * logged and ignored, and the router keeps serving the last good supergraph.
 */
class ServiceListWatcher {
  private files: string[] = [];
  private current: string;
  update: SupergraphSdlUpdateFunction | undefined;

  constructor(
    private readonly path: string,
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    initial: { list: ServiceList; sdl: string },
  ) {
    this.current = initial.sdl;
    this.watch(initial.list);
  }

  get supergraphSdl(): string {
    return this.current;
  }

  reload = (): void => {
    let list: ServiceList;
    let sdl: string;
    try {
      list = readServiceList(this.path);
      sdl = composeSupergraph(list);
    } catch (error) {
      this.logger.error(
        { err: error },
        `service list change rejected, keeping the current supergraph: ${(error as Error).message}`,
      );
      return;
    }
    this.registry.load(list);
    this.watch(list);
    if (sdl !== this.current) {
      this.current = sdl;
      this.update?.(sdl);
      this.logger.info({ subgraphs: list.subgraphs.map((s) => s.name) }, 'supergraph recomposed');
    } else {
      this.logger.info('service list reloaded');
    }
  };

  private watch(list: ServiceList): void {
    const files = [this.path, ...list.subgraphs.map((s) => s.schemaFile)];
    for (const file of this.files) if (!files.includes(file)) unwatchFile(file, this.reload);
    for (const file of files)
      if (!this.files.includes(file))
        watchFile(file, { interval: this.intervalMs, persistent: false }, this.reload);
    this.files = files;
  }

  stop(): void {
    for (const file of this.files) unwatchFile(file, this.reload);
  }
}

export async function start(config: RouterConfig = loadRouterConfig()) {
  const logger = createLogger('router', config.LOG_LEVEL);
  const list = readServiceList(config.SERVICE_LIST);
  // A service list that does not compose stops the start here, with the errors in the message.
  const sdl = composeSupergraph(list);
  logger.info({ subgraphs: list.subgraphs.map((s) => s.name) }, 'supergraph composed');

  const verifyToken = createServiceTokenVerifier(config);
  const metrics = createMetrics();
  const registry = new Registry(logger, {
    intervalMs: config.HEALTH_INTERVAL_MS,
    timeoutMs: config.HEALTH_TIMEOUT_MS,
  });
  registry.onChange = (service, instance) =>
    metrics.instanceUp.set({ service, instance: instance.url }, instance.healthy ? 1 : 0);
  registry.load(list);
  registry.start();
  const watcher = new ServiceListWatcher(
    config.SERVICE_LIST,
    registry,
    logger,
    config.WATCH_INTERVAL_MS,
    { list, sdl },
  );

  const gateway = new ApolloGateway({
    supergraphSdl: async ({ update }) => {
      watcher.update = update;
      return { supergraphSdl: watcher.supergraphSdl };
    },
    buildService: ({ name }) => {
      const fetcher = routingFetcher(name, registry, metrics, config.SUBGRAPH_TIMEOUT_MS);
      return new RoutingDataSource({
        fetcher: config.DEDUPLICATE_SUBGRAPH_QUERIES
          ? deduplicateQueries(fetcher, () =>
              metrics.subgraphRequestsShared.inc({ subgraph: name }),
            )
          : fetcher,
      });
    },
  });
  const limits = queryLimits(config, () => watcher.supergraphSdl);
  const trusted = config.TRUSTED_DOCUMENTS
    ? readManifest(config.TRUSTED_DOCUMENTS)
    : new Map<string, string>();
  if (config.TRUSTED_DOCUMENTS_ONLY && trusted.size === 0)
    throw new Error(
      "TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS (the client build's manifest)",
    );
  const loopDelay = new LoopDelay(config.LOOP_DELAY_WINDOW_MS);
  const logRefusal = refusalLog(logger, () => loopDelay.currentMs);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    allowBatchedHttpRequests: false,
    introspection: config.INTROSPECTION,
    plugins: [
      trustedDocumentsPlugin(trusted, config.TRUSTED_DOCUMENTS_ONLY),
      rejectUnsafeCharacters<RouterContext>(),
      ...limits.plugins,
      metricsPlugin(metrics),
      sheddingOperations<RouterContext>(
        config.SHEDDING_FIELDS,
        () => loopDelay.currentMs,
        config.SHED_AT_LOOP_DELAY_MS,
        () => {
          metrics.operationsShed.inc();
          logRefusal();
        },
      ),
      yieldingOperations<RouterContext>(config.YIELDING_FIELDS, config.YIELDING_CONCURRENCY, (n) =>
        metrics.yieldingWaiting.set(n),
      ),
      config.NODE_ENV === 'production'
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (lifecycle.ts): Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const production = config.NODE_ENV === 'production';
  const signingKey = ticketSigningKeyRoute(registry);
  const liveness: Route = (_req, res) =>
    sendJson(res, 200, { service: 'router', status: 'ok', live: true, ready: true });
  const adminRoutes: Record<string, Route> = {
    [TICKET_SIGNING_KEY_PATH]: signingKey,
    '/health': (_req, res) => {
      const services = registry.snapshot();
      const degraded = Object.values(services).some(
        (instances) => !instances.some((i) => i.healthy),
      );
      sendJson(res, 200, {
        service: 'router',
        status: degraded ? 'degraded' : 'ok',
        live: true,
        ready: true,
        services,
      });
    },
    '/metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    },
  };
  const http = await listen<RouterContext>(
    {
      logger,
      maxBodyBytes: config.MAX_BODY_BYTES,
      corsOrigins: config.CORS_ORIGINS,
      apollo: {
        server: apollo,
        context: async (req: IncomingMessage) => {
          const receivedAt = Date.now();
          // Subgraphs verify the token themselves; checking here too turns a bad token into one
          // clear 401 instead of an error per subgraph beside partial data.
          await viewerFromAuthorization(req.headers.authorization, verifyToken).catch(
            (error: unknown) => {
              throw tokenRefusedError(error);
            },
          );
          return {
            authorization: req.headers.authorization,
            // The client's own address, or what a proxy in front says when TRUST_PROXY trusts it.
            clientAddress: clientAddressOf(req, config.TRUST_PROXY),
            receivedAt,
          };
        },
        // MAX_BODY_BYTES holds for every request but a cover image upload (setEventImage alone),
        // sent as a query or as a registered operation's hash.
        largeBody: onlyMutationOf('setEventImage', EVENT_IMAGE_BODY_BYTES, (body) => {
          const hash = (
            body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined
          )?.persistedQuery?.sha256Hash;
          return typeof hash === 'string' ? trusted.get(hash) : undefined;
        }),
      },
      // In production the public port tells only that the router is up; the rest is on the admin port.
      routes: {
        ...(production
          ? { '/health': liveness, [TICKET_SIGNING_KEY_PATH]: signingKey }
          : adminRoutes),
        [`${IMAGE_PATH}*`]: imageProxy(
          () => registry.pick('events')?.url,
          logger,
          config.SUBGRAPH_TIMEOUT_MS,
        ),
      },
    },
    config.PORT,
    config.HOST,
  );
  const admin = production
    ? await listen({ logger, routes: adminRoutes }, config.ADMIN_PORT, config.ADMIN_HOST)
    : undefined;
  if (admin) logger.info({ url: admin.url }, 'admin endpoints (/metrics, /health) listening');
  // WebSocket upgrades on /graphql (subscriptions) go to a healthy subscriptions instance; the
  // results it shares among many clients come once over its live relay (live-relay.ts).
  const relay = new LiveRelay(logger);
  const websockets = proxyWebSockets(http.server, () => registry.pick(SUBSCRIPTIONS)?.url, logger, {
    relay,
    maxBufferedBytes: config.MAX_BUFFERED_BYTES,
    maxLagMs: config.MAX_LAG_MS,
  });
  logger.info({ url: `${http.url}/graphql` }, 'router listening');
  return {
    url: `${http.url}/graphql`,
    port: http.port,
    adminUrl: admin?.url,
    registry,
    stop: async () => {
      watcher.stop();
      websockets.close();
      relay.close();
      await http.close();
      await admin?.close();
      await apollo.stop();
      await registry.stop();
      loopDelay.stop();
    },
  };
}
