import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { Topics, ensureTopics, parseEnvelope, type EventEnvelope, type Logger } from '@ko/platform';
import { RecentIds } from './dedupe';
import type { Fanout } from './fanout';

/** Facts this service turns into live updates: `chat.messages` and `tickets.sold`. */
export const FEED_TOPICS = [Topics.chatMessages, Topics.ticketsSold];

export interface ChatMessageFact {
  id: string;
  eventId: string;
  body: string;
  kind: 'MESSAGE' | 'ANNOUNCEMENT';
  authorId: string;
  authorName: string;
  createdAt: string;
}

export interface SalesFact {
  eventId: string;
  tierId: string;
  tierName: string;
  orderId: string;
  quantity: number;
  sold: number;
  available: number;
  capacity: number;
  soldAt: string;
}

/** Settles with `work`, or rejects after `ms`. */
function within<T>(ms: number, work: Promise<T> | undefined): Promise<T | undefined> {
  if (!work) return Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Routes one fact to the subscriptions it concerns. Unknown types are ignored (newer producers). */
export function route(fanout: Fanout, envelope: EventEnvelope): number {
  switch (envelope.type) {
    case 'chat.message.posted': {
      const data = envelope.data as ChatMessageFact;
      return fanout.publish('messagePosted', data.eventId, data);
    }
    case 'chat.message.deleted': {
      const data = envelope.data as { id: string; eventId: string };
      return fanout.publish('messageDeleted', data.eventId, data.id);
    }
    case 'tickets.sold': {
      const data = envelope.data as SalesFact;
      return fanout.publish('ticketsSold', data.eventId, data);
    }
    default:
      return 0;
  }
}

/**
 * Feeds the fan-out from Kafka. Every instance is its own consumer group, so every instance
 * sees every fact and serves its own clients. The group starts at the current end of each
 * partition (live updates only) and those starting offsets are committed before it runs, so
 * a consumer that restarts after a broker outage resumes where it was instead of skipping to
 * the end: facts relayed once the broker is back are still delivered.
 */
export class KafkaFeed {
  readonly groupId = `subscriptions-${randomUUID()}`;
  private consumer: Consumer | undefined;
  private joined = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly recent = new RecentIds(20_000);

  constructor(
    private readonly kafka: Kafka,
    private readonly fanout: Fanout,
    private readonly logger: Logger,
  ) {}

  /** True while the consumer is in its group and fetching: `/health` readiness. */
  get running(): boolean {
    return this.joined && !this.stopped;
  }

  /**
   * Joins the feed, retrying until it succeeds (Kafka may be down at start-up); meanwhile
   * `/health` says not ready. Resolves once consuming, or when stopped.
   */
  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await ensureTopics(this.kafka, FEED_TOPICS);
        await this.pinStartingOffsets();
        await this.run();
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.warn({ err: error, attempt }, 'cannot join the Kafka feed yet; will retry');
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joined = false;
    clearTimeout(this.restartTimer);
    // Bounded: with the broker down, leaving the group could otherwise outlast the shutdown grace.
    await within(5_000, this.consumer?.disconnect()).catch(() => undefined);
    // The group served this process only: remove it rather than leave it to expire.
    await within(
      3_000,
      this.withAdmin((admin) => admin.deleteGroups([this.groupId])),
    ).catch((error: unknown) =>
      this.logger.debug({ err: error }, 'could not delete the consumer group'),
    );
  }

  private async pinStartingOffsets(): Promise<void> {
    await this.withAdmin(async (admin) => {
      for (const topic of FEED_TOPICS) {
        const offsets = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId: this.groupId,
          topic,
          partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
        });
      }
    });
  }

  private async run(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // Short waits: a live update should not sit on the broker for long.
      maxWaitTimeInMs: 100,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!this.joined) this.logger.info({ groupId: this.groupId }, 'consuming live updates');
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      this.logger.warn({ err: payload.error, restart: payload.restart }, 'Kafka consumer crashed');
      // kafkajs restarts it after retriable errors; after any other error, start a new one.
      if (!payload.restart && !this.stopped) this.scheduleRestart();
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
    await consumer.connect();
    await consumer.subscribe({ topics: FEED_TOPICS, fromBeginning: false });
    await consumer.run({
      eachMessage: async (payload) => {
        const envelope = parseEnvelope(payload);
        if (!envelope) {
          this.logger.warn(
            { topic: payload.topic, offset: payload.message.offset },
            'skipping malformed message',
          );
          return;
        }
        if (!this.recent.firstSighting(envelope.id)) return;
        route(this.fanout, envelope);
      },
    });
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await this.consumer?.disconnect().catch(() => undefined);
        if (this.stopped) return;
        await this.run().catch((error: unknown) => {
          this.logger.error({ err: error }, 'could not restart the Kafka consumer; will retry');
          this.scheduleRestart();
        });
      })();
    }, 2_000);
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
