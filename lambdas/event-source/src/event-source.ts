import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { KafkaRecord, SelfManagedKafkaEvent } from '@ko/lambda-send-mail';
import type { Logger } from '@ko/platform';

export interface EventSourceOptions {
  kafka: Kafka;
  brokers: string[];
  groupId: string;
  topics: string[];
  functionName: string;
  invoke: (event: SelfManagedKafkaEvent) => Promise<unknown>;
  /** Where records set aside after their retries are kept (the `dead_letters` table). */
  db: DataSource;
  logger: Logger;
  /** Records per invocation (Lambda's BatchSize). */
  batchSize: number;
  /** Invocations of one batch before it is split and a failing record set aside. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Where a new mapping starts, in Lambda's words: LATEST (only what comes after it is created)
   * or TRIM_HORIZON (everything the topics still hold). Later starts resume from its commits.
   */
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
}

/** Lambda's record shape from a kafkajs message. */
export function toRecord(topic: string, partition: number, message: KafkaMessage): KafkaRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    ...(message.key ? { key: message.key.toString('base64') } : {}),
    value: message.value ? message.value.toString('base64') : null,
    headers: Object.entries(message.headers ?? {}).map(([name, value]) => ({
      [name]: [...Buffer.from(Array.isArray(value) ? String(value[0]) : String(value ?? ''))],
    })),
  };
}

/**
 * What AWS Lambda's event source mapping for a self-managed Kafka cluster does, on one machine:
 * polls the topics in a consumer group of its own, invokes the function with batches of records
 * (grouped by `topic-partition`, base64), and commits a batch's offsets only after the function
 * succeeded. A failing batch is invoked again with exponential back-off; after `maxAttempts` it
 * is split into single records, and a record that still fails is set aside in `dead_letters`
 * (logged, counted in /health) so the records behind it are not held up for ever.
 */
export class KafkaEventSource {
  private consumer: Consumer | undefined;
  private stopped = false;
  private joined = false;
  readonly stats = { invocations: 0, failures: 0, deadLettered: 0 };

  constructor(private readonly options: EventSourceOptions) {}

  get running(): boolean {
    return this.joined && !this.stopped;
  }

  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.run();
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          this.options.logger.warn({ err: error, attempt }, 'cannot consume from Kafka yet');
        await this.consumer?.disconnect().catch(() => undefined);
        await sleep(Math.min(5_000, 500 * attempt));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joined = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { kafka, groupId, topics, logger } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 500,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!this.joined) logger.info({ groupId, topics }, 'event source polling Kafka');
      this.joined = true;
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // One invocation at a time, like a mapping at its minimum concurrency: the function may
      // itself call another (render-tickets) on the same runner.
      partitionsConsumedConcurrently: 1,
      eachBatchAutoResolve: false,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
      }) => {
        for (let from = 0; from < batch.messages.length && isRunning() && !this.stopped;) {
          const chunk = batch.messages.slice(from, from + this.options.batchSize);
          await this.deliver(batch, chunk, heartbeat);
          const last = chunk[chunk.length - 1].offset;
          resolveOffset(last);
          await commitOffsetsIfNecessary({
            topics: [
              {
                topic: batch.topic,
                partitions: [{ partition: batch.partition, offset: String(Number(last) + 1) }],
              },
            ],
          });
          from += chunk.length;
        }
      },
    });
  }

  /**
   * Before the first poll: with LATEST, a group without commits on a topic gets the topic's end
   * as its offsets, durably, so what happens from now on is read however long joining takes.
   * Retries while Kafka (or a topic, made by its writer's relay) is not there yet.
   */
  async prepare(): Promise<void> {
    if (this.options.startingPosition !== 'LATEST') return;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        return await this.pinNewGroupToLatest();
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          this.options.logger.warn({ err: error, attempt }, 'cannot set the starting offsets yet');
        await sleep(Math.min(5_000, 500 * attempt));
      }
    }
  }

  private async pinNewGroupToLatest(): Promise<void> {
    const { kafka, groupId, topics } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const { topic, partitions } of committed) {
        if (partitions.some((p) => p.offset !== '-1')) continue;
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Invokes until it succeeds; after maxAttempts, one record at a time, setting aside failures. */
  private async deliver(
    batch: Batch,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const records = messages.map((m) => toRecord(batch.topic, batch.partition, m));
    const error = await this.attempt(records, heartbeat);
    if (!error) return;
    for (const record of records.length > 1 ? records : []) {
      const single = await this.attempt([record], heartbeat);
      if (single) await this.setAside(record, single);
    }
    if (records.length === 1) await this.setAside(records[0], error);
  }

  /** Up to maxAttempts invocations with back-off; the last error, or undefined on success. */
  private async attempt(
    records: KafkaRecord[],
    heartbeat: () => Promise<void>,
  ): Promise<Error | undefined> {
    const { maxAttempts, retryBaseMs, retryMaxMs, logger } = this.options;
    let last: Error | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
      this.stats.invocations += 1;
      try {
        await this.options.invoke(this.event(records));
        return undefined;
      } catch (error) {
        this.stats.failures += 1;
        last = error instanceof Error ? error : new Error(String(error));
        logger.warn(
          { err: last, attempt, records: records.length, first: records[0]?.offset },
          'function failed on a batch; will retry',
        );
        const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
        for (let waited = 0; waited < delay && !this.stopped; waited += 1_000) {
          await sleep(Math.min(1_000, delay - waited));
          await heartbeat().catch(() => undefined);
        }
      }
    }
    // Stopping mid-retry: leave the batch uncommitted for the next start.
    if (this.stopped) throw last ?? new Error('stopped');
    return last;
  }

  private event(records: KafkaRecord[]): SelfManagedKafkaEvent {
    const grouped: Record<string, KafkaRecord[]> = {};
    for (const record of records)
      (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
    return {
      eventSource: 'SelfManagedKafka',
      bootstrapServers: this.options.brokers.join(','),
      records: grouped,
    };
  }

  private async setAside(record: KafkaRecord, error: Error): Promise<void> {
    this.stats.deadLettered += 1;
    this.options.logger.error(
      { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
      'record set aside after its retries (dead_letters)',
    );
    await this.options.db.query(
      `INSERT INTO dead_letters (topic, partition, "offset", function_name, record, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        record.topic,
        record.partition,
        record.offset,
        this.options.functionName,
        JSON.stringify(record),
        error.message,
        this.options.maxAttempts,
      ],
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
