import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import {
  OutboxRelay,
  createDataSource,
  createKafka,
  kafkaConnection,
  createLogger,
  createServiceTokenVerifier,
  openDatabase,
  outboxEntities,
  listLoader,
  startSubgraph,
  Topics,
  EVENT_IMAGE_BODY_BYTES,
  onlyMutationOf,
  type ListKey,
  type RequestContext,
} from '@ko/platform';
import { Catalogue } from './catalogue';
import { IMAGE_PATH, coverRoute } from './cover-image';
import { loadEventsConfig, type EventsConfig } from './config';
import { Event } from './entities/event';
import { migrations } from './migrations';
import { EventManagement } from './event-management';
import { resolvers } from './resolvers';

export interface EventsContext extends RequestContext {
  catalogue: Catalogue;
  management: EventManagement;
  events: DataLoader<string, Event | undefined>;
  organizedEvents: DataLoader<ListKey<{ first: number }>, Event[], string>;
}

export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

export async function start(config: EventsConfig = loadEventsConfig()) {
  const logger = createLogger('events', config.LOG_LEVEL);
  const db = await openDatabase(
    createDataSource({
      url: config.DATABASE_URL,
      entities: [Event, ...outboxEntities],
      migrations,
    }),
    logger,
  );
  const kafka = createKafka({ ...kafkaConnection(config), clientId: 'events', logger });
  const relay = new OutboxRelay({
    dataSource: db,
    kafka,
    logger,
    topics: [Topics.eventsLifecycle],
  });
  relay.start();

  const catalogue = new Catalogue(db);
  const management = new EventManagement(db, () => relay.nudge());
  const server = await startSubgraph<EventsContext>({
    name: 'events',
    typeDefs,
    resolvers,
    port: config.PORT,
    host: config.HOST,
    logger,
    maskInternalErrors: config.NODE_ENV === 'production',
    trustProxy: config.TRUST_PROXY,
    verifyToken: createServiceTokenVerifier(config),
    extendContext: (base) => ({
      ...base,
      catalogue,
      management,
      events: new DataLoader((ids: readonly string[]) => catalogue.byIds(ids)),
      organizedEvents: listLoader(
        (ids, { first }: { first: number }) => catalogue.organizedBy(ids, first, base.viewer),
        [] as Event[],
      ),
    }),
    readiness: { database: async () => void (await db.query('SELECT 1')) },
    routes: { [`${IMAGE_PATH}*`]: coverRoute(db) },
    // Only an image upload may be bigger than an ordinary request.
    largeBody: onlyMutationOf('setEventImage', EVENT_IMAGE_BODY_BYTES),
  });

  return {
    url: `${server.url}/graphql`,
    port: server.port,
    db,
    relay,
    stop: async () => {
      await server.close();
      await relay.stop();
      await db.destroy();
    },
  };
}
