import { join } from 'node:path';
import { provisionPostgres, type PostgresServer } from './provision/postgres';
import { startKafka, type KafkaBroker } from './provision/kafka';

export const ROOT = join(__dirname, '..');

export interface Infrastructure {
  postgres: PostgresServer;
  kafkaBrokers: string;
  kafka?: KafkaBroker;
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Kafka for a run: the ones configured by DATABASE_URL and KAFKA_BROKERS,
 * else ones this project starts itself (a private Postgres only when none runs locally).
 */
export async function provisionInfrastructure(options: {
  dataDir: string;
  log: (message: string) => void;
  kafkaPort?: number;
  embeddedPostgresPort?: number;
}): Promise<Infrastructure> {
  const postgres = await provisionPostgres({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: join(options.dataDir, 'postgres'),
    embeddedPort: options.embeddedPostgresPort,
    log: options.log,
  });
  options.log(`PostgreSQL: ${postgres.source} (${new URL(postgres.url).host})`);
  let kafka: KafkaBroker | undefined;
  let kafkaBrokers = process.env.KAFKA_BROKERS ?? '';
  if (!kafkaBrokers) {
    options.log('Kafka: starting a single-node broker (KRaft)…');
    try {
      kafka = await startKafka({
        dataDir: join(options.dataDir, 'kafka'),
        port: options.kafkaPort,
        log: options.log,
      });
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    kafkaBrokers = kafka.brokers;
  }
  options.log(`Kafka: ${kafkaBrokers}`);
  return {
    postgres,
    kafkaBrokers,
    kafka,
    stop: async () => {
      await kafka?.stop();
      await postgres.stop();
    },
  };
}
