import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import {
  EventDirectory,
  OutboxRelay,
  ServiceClient,
  Topics,
  createDataSource,
  createKafka,
  kafkaConnection,
  createLogger,
  createServiceTokenVerifier,
  openDatabase,
  outboxEntities,
  listLoader,
  startSubgraph,
  type ListKey,
  type RequestContext,
} from '@ko/platform';
import { loadChatConfig, type ChatConfig } from './config';
import { ChatMessage } from './entities/chat-message';
import { ChatHistory, type MessagePage } from './history';
import { migrations } from './migrations';
import { ChatPosting } from './posting';
import { PostingRateLimit } from './rate-limit';
import { resolvers } from './resolvers';

export interface ChatContext extends RequestContext {
  posting: ChatPosting;
  history: ChatHistory;
  messages: DataLoader<ListKey<{ first: number; before: string | null }>, MessagePage, string>;
  announcements: DataLoader<ListKey<{ first: number }>, ChatMessage[], string>;
}

export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

export async function start(config: ChatConfig = loadChatConfig()) {
  const logger = createLogger('chat', config.LOG_LEVEL);
  const db = await openDatabase(
    createDataSource({
      url: config.DATABASE_URL,
      entities: [ChatMessage, ...outboxEntities],
      migrations,
    }),
    logger,
  );
  const kafka = createKafka({ ...kafkaConnection(config), clientId: 'chat', logger });
  const relay = new OutboxRelay({ dataSource: db, kafka, logger, topics: [Topics.chatMessages] });
  relay.start();

  const events = new EventDirectory(
    ServiceClient.fromServiceList(config.SERVICE_LIST, 'events'),
    config.EVENT_CACHE_TTL_MS,
  );
  const rateLimit = new PostingRateLimit(
    db,
    config.CHAT_RATE_LIMIT_POINTS,
    config.CHAT_RATE_LIMIT_SECONDS,
  );
  const posting = new ChatPosting(db, events, rateLimit, () => relay.nudge());
  const history = new ChatHistory(db);
  const server = await startSubgraph<ChatContext>({
    name: 'chat',
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
      posting,
      history,
      messages: listLoader(
        (ids, { first, before }: { first: number; before: string | null }) =>
          history.messages(ids, first, before),
        { messages: [], hasNextPage: false, endCursor: null } as MessagePage,
      ),
      announcements: listLoader(
        (ids, { first }: { first: number }) => history.announcements(ids, first),
        [] as ChatMessage[],
      ),
    }),
    readiness: { database: async () => void (await db.query('SELECT 1')) },
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
