import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_SASL_MECHANISM, provisionKafkaAccess, type KafkaCredentials } from '@ko/platform';
import { provisionPostgres, type PostgresServer } from './provision/postgres';
import { readCredentials, startKafka, type KafkaBroker } from './provision/kafka';

export const ROOT = join(__dirname, '..');

export interface Infrastructure {
  postgres: PostgresServer;
  kafkaBrokers: string;
  /** The broker's accounts; services get theirs through KAFKA_USERNAME/KAFKA_PASSWORD. */
  kafkaCredentials: KafkaCredentials;
  /** Where they are kept (handed to the tests as KAFKA_CREDENTIALS_FILE). */
  kafkaCredentialsFile: string;
  kafka?: KafkaBroker;
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Kafka for a run: the ones configured by DATABASE_URL and KAFKA_BROKERS,
 * else ones this project starts itself (a private Postgres only when none runs locally).
 * An external broker comes with KAFKA_CREDENTIALS_FILE (its administrator and the services'
 * accounts, as JSON): its topics and ACLs are then set up here too.
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
  let kafkaCredentialsFile = process.env.KAFKA_CREDENTIALS_FILE ?? '';
  let kafkaCredentials: KafkaCredentials | undefined;
  if (kafkaBrokers) {
    kafkaCredentials = kafkaCredentialsFile ? readCredentials(kafkaCredentialsFile) : undefined;
    if (!kafkaCredentials) {
      await postgres.stop();
      throw new Error(
        'KAFKA_BROKERS is set: set KAFKA_CREDENTIALS_FILE to the JSON of its accounts too (see scripts/kafka/README.md)',
      );
    }
    await provisionKafkaAccess(
      new Kafka({
        clientId: 'ko-kafka-provision',
        brokers: kafkaBrokers.split(','),
        sasl: { mechanism: KAFKA_SASL_MECHANISM, ...kafkaCredentials.admin },
        logLevel: logLevel.NOTHING,
      }),
      kafkaCredentials,
    );
  } else {
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
    kafkaCredentials = kafka.credentials;
    kafkaCredentialsFile = kafka.credentialsFile;
  }
  options.log(`Kafka: ${kafkaBrokers}`);
  return {
    postgres,
    kafkaBrokers,
    kafkaCredentials,
    kafkaCredentialsFile,
    kafka,
    stop: async () => {
      await kafka?.stop();
      await postgres.stop();
    },
  };
}
