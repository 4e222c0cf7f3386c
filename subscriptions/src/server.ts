import { getHeapSpaceStatistics } from 'node:v8';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  GraphQLError,
  specifiedRules,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type ValidationRule,
} from 'graphql';
import { EventDirectory } from '@ko/platform/event-directory';
import { ServiceClient } from '@ko/platform/service-client';
import { createKafka } from '@ko/platform/kafka';
import { kafkaConnection } from '@ko/platform/config';
import { createLogger, type Logger } from '@ko/platform/logger';
import { createServiceTokenVerifier } from '@ko/platform/session-check';
import { healthRoute } from '@ko/platform/health';
import { listen, sendJson, type RunningHttpService } from '@ko/platform/http';
import { formatForClient } from '@ko/platform/errors';
import { tokenRefusal, viewerFromAuthorization, type Viewer } from '@ko/platform/auth';
import { loadSubscriptionsConfig, type SubscriptionsConfig } from './config';
import { EventUpdates, tierLookup } from './event-updates';
import { SessionWatch } from './session-watch';
import { Fanout } from './fanout';
import { KafkaFeed } from './kafka-feed';
import { QueueUpdates, queueTicketLookup } from './queue-updates';
import { createSharedSubscribe } from './shared-execution';
import { UNAUTHORIZED_CLOSE_CODE, buildLiveSchema, type LiveContext } from './live';
import { SubscriptionDocuments } from './documents';
import { HeapRelease } from './heap-release';
import { RelayLinks } from './live-relay';

/** A WebSocket close reason is at most 123 bytes. */
const closeReason = (text: string) =>
  Buffer.byteLength(text) <= 123
    ? text
    : `${Buffer.from(text).subarray(0, 120).toString('utf8')}...`;

/** Errors of subscription operations, formatted the platform's one way (always masked). */
const formatErrors = (errors: readonly GraphQLError[], logger: Logger): GraphQLFormattedError[] =>
  errors.map((error) =>
    formatForClient(error.toJSON(), error.originalError, {
      logger,
      mask: true,
      where: 'a subscription',
    }),
  );

/** A result as the client receives it: its errors formatted (relayed results and graphql-ws's alike). */
const formatResult = (result: ExecutionResult, logger: Logger): FormattedExecutionResult =>
  result.errors ? { ...result, errors: formatErrors(result.errors, logger) } : result;

/**
 * Operations here skip the router's query limits (they arrive over the WebSocket), and each
 * selected field is resolved again for every payload: cap how many fields one operation selects.
 */
const MAX_SELECTED_FIELDS = 100;
const limitSelectedFields: ValidationRule = (context) => {
  let fields = 0;
  return {
    Field(node) {
      fields += 1;
      if (fields === MAX_SELECTED_FIELDS + 1) {
        context.reportError(
          new GraphQLError(`Select at most ${MAX_SELECTED_FIELDS} fields in one operation.`, {
            nodes: node,
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        );
      }
    },
  };
};

const inMb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/**
 * The process's memory (MB = 10^6 bytes): what its clients cost, beside what V8 keeps, and V8's
 * heap by space (committed), which tells a young generation grown by a burst from an old one
 * holding on to pages after a crowd left.
 */
const memoryInMb = () => ({
  ...Object.fromEntries(
    Object.entries(process.memoryUsage()).map(([kind, bytes]) => [kind, inMb(bytes)]),
  ),
  heapSpaces: Object.fromEntries(
    getHeapSpaceStatistics().map((space) => [space.space_name, inMb(space.space_size)]),
  ),
});

interface Session {
  viewer: Viewer | null;
  authorization?: string;
}

export async function start(config: SubscriptionsConfig = loadSubscriptionsConfig()) {
  const logger = createLogger('subscriptions', config.LOG_LEVEL);
  const kafka = createKafka({
    ...kafkaConnection(config),
    clientId: 'subscriptions',
    logger,
  });
  const fanout = new Fanout({
    maxBufferedBytes: config.MAX_BUFFERED_BYTES,
    maxQueued: config.MAX_QUEUED_PER_SUBSCRIPTION,
    maxLagMs: config.MAX_LAG_MS,
  });
  // Clients being fed are pinged to time their reading end to end, and shed past the lag bound.
  const readerWatch = setInterval(() => fanout.watchReaders(), config.READ_LAG_CHECK_MS);
  readerWatch.unref();
  const events = new EventDirectory(
    ServiceClient.fromServiceList(config.SERVICE_LIST, 'events'),
    config.EVENT_CACHE_TTL_MS,
  );
  // Found at first use: a deployment without the tickets service still serves chat.
  let tickets: ServiceClient | undefined;
  const ticketsClient: Pick<ServiceClient, 'query'> = {
    query: (...args) =>
      (tickets ??= ServiceClient.fromServiceList(config.SERVICE_LIST, 'tickets')).query(...args),
  };
  const updates = new EventUpdates(
    fanout,
    tierLookup(ticketsClient),
    config.EVENT_UPDATE_INTERVAL_MS,
    logger,
  );
  const queue = new QueueUpdates(
    fanout,
    queueTicketLookup(ticketsClient),
    logger,
    config.QUEUE_POSITION_INTERVAL_MS,
  );
  const feed = new KafkaFeed(kafka, fanout, logger, updates, queue);
  const verifyToken = createServiceTokenVerifier(config);
  const schema = buildLiveSchema();
  const documents = new SubscriptionDocuments(schema, [...specifiedRules, limitSelectedFields]);
  const relayLinks = new RelayLinks(logger);

  const http: RunningHttpService = await listen(
    {
      logger,
      routes: {
        '/health': healthRoute('subscriptions', {
          kafka: async () => {
            if (!feed.running) throw new Error('the Kafka consumer is not running');
          },
        }),
        '/live-relay': relayLinks.route,
        // Live counts: operators watch them, and tests wait on them instead of sleeping.
        '/stats': (_req, res) =>
          sendJson(res, 200, {
            connections: wss.clients.size,
            subscriptions: fanout.size,
            subscriptionsByChannel: fanout.sizeByChannel,
            eventsFollowed: updates.size,
            queueTicketsFollowed: queue.size,
            slowClientsDropped: fanout.dropped,
            relayLinks: relayLinks.size,
            relayedSubscriptions: relayLinks.relayed,
            consumerGroup: feed.groupId,
            consuming: feed.running,
            factsSkipped: feed.skipped,
            heapReleases: heapRelease.released,
            memoryMb: memoryInMb(),
          }),
      },
    },
    config.PORT,
    config.HOST,
  );
  const wss: WebSocketServer = new WebSocketServer({
    server: http.server,
    path: '/graphql',
    maxPayload: 64 * 1024,
  });
  // Listens before graphql-ws: a socket past the cap is closed before it costs a session.
  // `gc` is there when the process runs with --expose-gc, as deployed (deployment/services.ts).
  const heapRelease = new HeapRelease(() => wss.clients.size, globalThis.gc && (() => gc!()));
  wss.on('connection', (socket) => {
    if (wss.clients.size > config.MAX_CONNECTIONS)
      socket.close(1013, 'This server is full; try again shortly.');
    heapRelease.observe();
    socket.once('close', () => heapRelease.observe());
  });
  const sessions = new WeakMap<object, Session>();
  const sessionWatch = new SessionWatch(
    verifyToken,
    config.SESSION_RECHECK_MS,
    UNAUTHORIZED_CLOSE_CODE,
    logger,
  );

  const graphqlWs = useServer<Record<string, unknown>>(
    {
      schema,
      // Results shared by many clients behind one router go to it once (live-relay.ts).
      subscribe: createSharedSubscribe({
        deliveryOf: (args) => (args.contextValue as LiveContext).relay,
        format: (result) => formatResult(result, logger),
        onLinkLost: (args) =>
          (args.contextValue as LiveContext).socket.close(
            1012,
            'Live updates are restarting; reconnect.',
          ),
      }),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = params.authorization ?? params.Authorization;
        const socket = ctx.extra.socket;
        if (raw !== undefined && typeof raw !== 'string') {
          socket.close(
            UNAUTHORIZED_CLOSE_CODE,
            'connectionParams.authorization must be "Bearer <token>".',
          );
          return false;
        }
        try {
          // No token: anonymous, which is enough to follow a chat.
          sessions.set(ctx, {
            viewer: await viewerFromAuthorization(raw || undefined, verifyToken),
            authorization: raw || undefined,
          });
          if (raw) {
            sessionWatch.watch(socket, raw);
            socket.once('close', () => sessionWatch.forget(socket));
          }
          return true;
        } catch (error) {
          const { message, final } = tokenRefusal(error);
          // 4401 is final for clients (sign in again); 1013 asks them to retry later.
          socket.close(final ? UNAUTHORIZED_CLOSE_CODE : 1013, closeReason(message));
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > config.MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(
              `At most ${config.MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection.`,
              {
                extensions: { code: 'RATE_LIMITED' },
              },
            ),
          ];
        }
        logger.debug({ operation: payload.operationName }, 'subscribe');
        const document = documents.get(payload.query);
        if (Array.isArray(document)) return document;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      context: (ctx, id): LiveContext => {
        const session = sessions.get(ctx) ?? { viewer: null };
        return {
          ...session,
          socket: ctx.extra.socket,
          fanout,
          events,
          updates,
          queue,
          relay: relayLinks.deliveryFor(ctx.extra.request, id),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? formatResult(result, logger) : undefined,
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors, logger),
    },
    wss,
    config.KEEP_ALIVE_MS,
  );
  logger.info(
    { url: `${http.url.replace('http', 'ws')}/graphql`, groupId: feed.groupId },
    'subscriptions listening',
  );
  // Joins Kafka in the background (retrying while it is down); /health is ready once it consumes.
  const feeding = feed.start();

  return {
    url: `${http.url.replace('http', 'ws')}/graphql`,
    port: http.port,
    feed,
    fanout,
    stop: async () => {
      // Clients are told "going away" (1001) and reconnect, through the router, to another instance.
      clearInterval(readerWatch);
      fanout.endAll();
      relayLinks.close();
      sessionWatch.stop();
      heapRelease.stop();
      await graphqlWs.dispose();
      await http.close();
      await feed.stop();
      await feeding;
    },
  };
}
