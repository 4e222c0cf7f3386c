import { migrations } from '@ko/lambda-send-mail/dist/migrations';
import {
  createDataSource,
  createKafka,
  createLambdaInvoker,
  createLogger,
  healthRoute,
  kafkaConnection,
  lambdaInvokerConfigFromEnv,
  listen,
  openDatabase,
  sendJson,
} from '@ko/platform';
import { loadEventSourceConfig, type EventSourceConfig } from './config';
import { KafkaEventSource } from './event-source';

/**
 * The mail function's event source mapping as a process (service `mail`): it owns the `mail`
 * database's schema (the function only reads and writes rows), polls Kafka and invokes the
 * function through the Lambda Invoke API. `/health` says whether it polls, and counts what
 * failed: records set aside and messages the mail server refused.
 */
export async function start(config: EventSourceConfig = loadEventSourceConfig()) {
  const logger = createLogger('mail', config.LOG_LEVEL);
  const db = await openDatabase(
    createDataSource({ url: config.DATABASE_URL, entities: [], migrations }),
    logger,
  );
  const lambda = createLambdaInvoker(lambdaInvokerConfigFromEnv());
  const kafka = createKafka({ ...kafkaConnection(config), clientId: 'mail', logger });
  const source = new KafkaEventSource({
    kafka,
    brokers: config.KAFKA_BROKERS,
    groupId: config.KAFKA_CONSUMER_GROUP,
    topics: config.EVENT_SOURCE_TOPICS,
    functionName: config.EVENT_SOURCE_FUNCTION,
    invoke: (event) => lambda.invoke(config.EVENT_SOURCE_FUNCTION, event),
    db,
    logger,
    batchSize: config.EVENT_SOURCE_BATCH_SIZE,
    maxAttempts: config.EVENT_SOURCE_MAX_ATTEMPTS,
    retryBaseMs: config.EVENT_SOURCE_RETRY_BASE_MS,
    retryMaxMs: config.EVENT_SOURCE_RETRY_MAX_MS,
    startingPosition: config.EVENT_SOURCE_STARTING_POSITION,
  });
  // Ready once the starting offsets are set: joining the group may take a while longer, and
  // nothing that happens meanwhile is missed (the polling state is on /failures).
  await source.prepare();
  void source.start();

  const health = healthRoute('mail', {
    database: async () => void (await db.query('SELECT 1')),
  });
  const server = await listen(
    {
      logger,
      routes: {
        '/health': health,
        // For operators: what could not be sent (refused messages, records set aside).
        '/failures': async (_req, res) => {
          const [mail, records] = await Promise.all([
            db.query(
              `SELECT fact_id, recipient, kind, error, updated_at FROM sent_mail
               WHERE status = 'failed' ORDER BY updated_at DESC LIMIT 100`,
            ),
            db.query(
              `SELECT topic, partition, "offset", function_name, error, created_at FROM dead_letters
               ORDER BY created_at DESC LIMIT 100`,
            ),
          ]);
          sendJson(res, 200, {
            polling: source.running,
            failedMail: mail,
            deadLetters: records,
            stats: source.stats,
          });
        },
      },
    },
    config.PORT,
    config.HOST,
  );
  logger.info({ port: server.port }, 'mail event source started');
  return {
    port: server.port,
    db,
    source,
    stop: async () => {
      await server.close();
      await source.stop();
      lambda.close();
      await db.destroy();
    },
  };
}
