import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { FactConsumer } from '@ko/platform/fact-consumer';
import { Facts, isFact, type ChatMessagePostedFact, type ParsedFact } from '@ko/platform/facts';
import { type Logger } from '@ko/platform/logger';
import { RecentIds } from './dedupe';
import type { EventUpdates } from './event-updates';
import type { Fanout } from './fanout';
import type { QueueUpdates } from './queue-updates';

/** Facts this service turns into live updates. */
export const FEED_FACTS = [
  Facts.chatMessagePosted,
  Facts.chatMessageDeleted,
  Facts.ticketsSold,
  Facts.tiersAvailabilityChanged,
  Facts.eventPublished,
  Facts.eventUpdated,
  Facts.eventCancelled,
  Facts.waitingRoomChanged,
];
const FEED_TOPICS = [...new Set(FEED_FACTS.map((f) => f.topic))];

export type ChatMessageFact = ChatMessagePostedFact;

/** Settles with `work`, or rejects after `ms`. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A fact's topic and when it happened, to order a tier's changes across topics. */
const sourceOf = (fact: ParsedFact) => ({
  topic: fact.definition.topic,
  at: Date.parse(fact.envelope.occurredAt),
});

/** Routes one fact (checked against its schema) to the subscriptions it concerns. */
export function route(
  fanout: Fanout,
  fact: ParsedFact,
  updates?: EventUpdates,
  queue?: QueueUpdates,
): number {
  if (isFact(fact, Facts.waitingRoomChanged)) {
    queue?.roomChanged(fact.envelope.data);
    return 0;
  }
  if (isFact(fact, Facts.chatMessagePosted))
    return fanout.publish('messagePosted', fact.envelope.data.eventId, fact.envelope.data);
  if (isFact(fact, Facts.chatMessageDeleted))
    return fanout.publish('messageDeleted', fact.envelope.data.eventId, fact.envelope.data.id);
  if (isFact(fact, Facts.ticketsSold)) {
    const data = fact.envelope.data;
    updates?.tiersChanged(
      data.eventId,
      [{ tierId: data.tierId, name: data.tierName, available: data.available }],
      sourceOf(fact),
    );
    return fanout.publish('ticketsSold', data.eventId, data);
  }
  if (isFact(fact, Facts.tiersAvailabilityChanged)) {
    updates?.tiersChanged(fact.envelope.data.eventId, fact.envelope.data.tiers, sourceOf(fact));
    return 0;
  }
  // The rest are events.lifecycle facts: only the status is live.
  if (
    isFact(fact, Facts.eventPublished) ||
    isFact(fact, Facts.eventUpdated) ||
    isFact(fact, Facts.eventCancelled)
  )
    updates?.statusChanged(fact.envelope.data.eventId, fact.envelope.data.status);
  return 0;
}

/**
 * Feeds the fan-out from Kafka. Every instance is its own consumer group, so every instance
 * sees every fact and serves its own clients. The group starts at the current end of each
 * partition (live updates only) and those starting offsets are committed before it runs, so
 * a consumer that restarts after a broker outage resumes where it was instead of skipping to
 * the end: facts relayed once the broker is back are still delivered.
 */
export class KafkaFeed {
  /** Named after the service: its broker account may use only groups with this prefix. */
  readonly groupId = `subscriptions-${randomUUID()}`;
  private readonly consumer: FactConsumer;
  private readonly recent = new RecentIds(20_000);

  constructor(
    private readonly kafka: Kafka,
    fanout: Fanout,
    private readonly logger: Logger,
    updates?: EventUpdates,
    queue?: QueueUpdates,
  ) {
    this.consumer = new FactConsumer({
      kafka,
      groupId: this.groupId,
      facts: FEED_FACTS,
      logger,
      fromBeginning: false,
      // Short waits: a live update should not sit on the broker for long.
      maxWaitTimeInMs: 100,
      // Read again after a restart, a fact is dropped by `recent`.
      commitEveryMs: 1_000,
      prepare: () => this.pinStartingOffsets(),
      handle: async (fact) => {
        if (this.recent.firstSighting(fact.envelope.id)) route(fanout, fact, updates, queue);
      },
    });
  }

  /** True while the consumer is in its group and fetching: `/health` readiness. */
  get running(): boolean {
    return this.consumer.running;
  }

  /** Messages skipped because they were not valid facts (or of types this service does not read). */
  get skipped(): { malformed: number; unknown: number } {
    return { ...this.consumer.skipped };
  }

  /** Joins the feed, retrying while Kafka is away; meanwhile `/health` says not ready. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
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
