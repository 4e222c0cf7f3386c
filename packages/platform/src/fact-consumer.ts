import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { parseFact, type FactDefinition, type ParsedFact } from './facts';
import type { Logger } from './logger';

export interface FactConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** The facts this consumer reads; it subscribes to their topics. */
  facts: readonly FactDefinition[];
  logger: Logger;
  /** Where a new group starts: the beginning (default) or the end of each partition. */
  fromBeginning?: boolean;
  /** How long the broker may hold a fetch waiting for data (kafkajs default 5 s). */
  maxWaitTimeInMs?: number;
  /**
   * Commit consumed offsets at most this often instead of after every fetched batch (kafkajs'
   * default): a live feed at tens of messages a second otherwise sends the broker an offset
   * commit per message. After a restart up to this much is read again, so the handler must
   * take a fact twice in a row as once.
   */
  commitEveryMs?: number;
  /** Runs before each attempt to join (e.g. to pin the group's starting offsets). */
  prepare?: () => Promise<void>;
  /**
   * Handles one fact that parsed against its definition. A failure is retried by kafkajs (the
   * offset is not committed), so handlers must be idempotent.
   */
  handle: (fact: ParsedFact, payload: EachMessagePayload) => Promise<void>;
}

type Position = { topic: string; partition: number; offset: string };
/** Where a position is kept in `FactConsumer.consumed`: one per topic and partition. */
const positionKey = (p: Pick<Position, 'topic' | 'partition'>) => `${p.topic}\0${p.partition}`;

/** Settles with `work`, or rejects after `ms`. */
function within<T>(ms: number, work: Promise<T> | undefined): Promise<T | undefined> {
  if (!work) return Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Consumes facts from Kafka, staying joined while the broker comes and goes: joining is retried
 * until it succeeds (the broker may be down at start-up), and a consumer that crashes without
 * kafkajs restarting it is replaced. Every message is parsed against its fact's definition; one
 * that does not parse is logged (topic, partition, offset, why), counted in `skipped` and
 * skipped, and consuming goes on.
 */
export class FactConsumer {
  /** Messages skipped: `malformed` did not parse; `unknown` are types this service does not read. */
  readonly skipped = { malformed: 0, unknown: 0 };
  private consumer: Consumer | undefined;
  private joined = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly topics: string[];
  /** Next offsets to commit (`commitEveryMs`), by topic and partition. */
  private readonly consumed = new Map<string, Position>();
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FactConsumerOptions) {
    this.topics = [...new Set(options.facts.map((f) => f.topic))];
  }

  /** True while the consumer is in its group and fetching: `/health` readiness. */
  get running(): boolean {
    return this.joined && !this.stopped;
  }

  /** Joins, retrying while Kafka is away. Resolves once consuming, or when stopped. */
  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.prepare?.();
        await this.run();
        if (this.stopped) await this.disconnect();
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          this.options.logger.warn(
            { err: error, attempt, topics: this.topics },
            'cannot consume from Kafka yet; will retry',
          );
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joined = false;
    clearTimeout(this.restartTimer);
    clearInterval(this.commitTimer);
    await within(5_000, this.commitConsumed()).catch(() => undefined);
    await this.disconnect();
  }

  /** Commits what was handled since the last commit (`commitEveryMs`); failures wait for the next. */
  private async commitConsumed(): Promise<void> {
    if (!this.consumer || this.consumed.size === 0) return;
    const offsets = [...this.consumed.values()];
    this.consumed.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      // Kept for the next commit, unless a later position of that partition was noted since.
      for (const o of offsets)
        if (!this.consumed.has(positionKey(o))) this.consumed.set(positionKey(o), o);
      this.options.logger.debug({ err: error }, 'could not commit consumed offsets; will retry');
    }
  }

  /** Bounded: with the broker down, leaving the group could otherwise outlast a shutdown grace. */
  private async disconnect(): Promise<void> {
    await within(5_000, this.consumer?.disconnect()).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { kafka, groupId, logger } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      ...(this.options.maxWaitTimeInMs ? { maxWaitTimeInMs: this.options.maxWaitTimeInMs } : {}),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!this.joined) logger.info({ groupId, topics: this.topics }, 'consuming from Kafka');
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      logger.warn({ err: payload.error, restart: payload.restart }, 'Kafka consumer crashed');
      // kafkajs restarts it after retriable errors; after any other error, start a new one.
      if (!payload.restart && !this.stopped) this.scheduleRestart();
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
    await consumer.connect();
    await consumer.subscribe({
      topics: this.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    const every = this.options.commitEveryMs;
    if (every) {
      clearInterval(this.commitTimer);
      this.commitTimer = setInterval(() => void this.commitConsumed(), every).unref();
    }
    await consumer.run({
      autoCommit: !every,
      eachMessage: async (payload) => {
        await this.receive(payload);
        if (every) {
          const { topic, partition, message } = payload;
          const offset = (BigInt(message.offset) + 1n).toString();
          this.consumed.set(positionKey(payload), { topic, partition, offset });
        }
      },
    });
  }

  private async receive(payload: EachMessagePayload): Promise<void> {
    const result = parseFact(this.options.facts, payload.topic, payload.message.value);
    if (result.ok) return this.options.handle(result.fact, payload);
    this.skipped[result.reason] += 1;
    const where = {
      topic: payload.topic,
      partition: payload.partition,
      offset: payload.message.offset,
      reason: result.error,
      skipped: this.skipped[result.reason],
    };
    if (result.reason === 'malformed')
      this.options.logger.warn(where, 'skipping a Kafka message that is not a valid fact');
    else this.options.logger.debug(where, 'skipping a fact this service does not read');
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await this.consumer?.disconnect().catch(() => undefined);
        if (this.stopped) return;
        await this.run().catch((error: unknown) => {
          this.options.logger.error(
            { err: error },
            'could not restart the Kafka consumer; will retry',
          );
          this.scheduleRestart();
        });
      })();
    }, 2_000);
  }
}
