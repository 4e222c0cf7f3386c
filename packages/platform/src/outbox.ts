import { randomUUID } from 'node:crypto';
import {
  Column,
  Entity,
  PrimaryGeneratedColumn,
  type DataSource,
  type EntityManager,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import type { Kafka, Producer } from 'kafkajs';
import type { EventEnvelope, FactDefinition } from './facts';
import { createProducer, ensureTopics } from './kafka';
import type { Logger } from './logger';

/** A fact waiting to leave the service, written in the same transaction as the change. */
@Entity({ name: 'outbox' })
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'uuid', unique: true })
  id: string;

  @Column()
  topic: string;

  @Column({ name: 'message_key' })
  key: string;

  @Column({ type: 'jsonb' })
  envelope: EventEnvelope;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}

/** Facts this service already consumed: the de-duplication record for at-least-once delivery. */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @Column({ type: 'uuid', primary: true })
  id: string;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt: Date;
}

export const outboxEntities = [OutboxMessage, ProcessedEvent];

/** The tables behind the outbox and de-duplication; every service lists this migration first. */
export class CreateOutbox1764000000000 implements MigrationInterface {
  name = 'CreateOutbox1764000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      topic text NOT NULL,
      message_key text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz)`);
    await q.query('CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL');
    await q.query(`CREATE TABLE processed_events (
      id uuid PRIMARY KEY,
      processed_at timestamptz NOT NULL DEFAULT now())`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE processed_events');
    await q.query('DROP TABLE outbox');
  }
}

/** The envelope of a new fact (its id, version and time); its data as given. */
function envelopeOf<T>(
  definition: Pick<FactDefinition, 'type' | 'version'>,
  data: T,
): EventEnvelope<T> {
  return {
    id: randomUUID(),
    type: definition.type,
    version: definition.version,
    occurredAt: new Date().toISOString(),
    data,
  };
}

/** Writes a fact to the outbox inside the caller's transaction, on its definition's topic and key. */
export async function enqueue<T>(
  manager: EntityManager,
  definition: FactDefinition<T>,
  data: T,
): Promise<EventEnvelope<T>> {
  const envelope = envelopeOf(definition, data);
  await manager.query(
    'INSERT INTO outbox (id, topic, message_key, envelope) VALUES ($1, $2, $3, $4)',
    [envelope.id, definition.topic, definition.key(data), JSON.stringify(envelope)],
  );
  return envelope;
}

/**
 * Runs `change` (an INSERT, UPDATE or DELETE ... RETURNING of at most one row, with its own
 * $1..$n) and writes `fact` to the outbox for the row it returns, in one statement. `fromChange` names data fields
 * only the change knows, as SQL expressions over its row (`changed.<column>`). A change that
 * takes a contended row lock holds it for one round trip less than change-then-enqueue would.
 * Returns the changed row, or none: then nothing changed and nothing was enqueued.
 */
export async function changeAndEnqueue<Row, T, K extends keyof T & string>(
  manager: EntityManager,
  change: { sql: string; params: unknown[] },
  definition: FactDefinition<T>,
  known: Omit<T, K>,
  fromChange: Record<K, string>,
): Promise<Row[]> {
  // The key must come from what is known before the change.
  const key = definition.key(known as T);
  const envelope = envelopeOf(definition, known);
  const n = change.params.length;
  const fields = Object.entries<string>(fromChange)
    .map(([field, expression]) => `'${field.replace(/'/g, "''")}', ${expression}`)
    .join(', ');
  return (await manager.query(
    `WITH changed AS (${change.sql}),
     fact AS (
       INSERT INTO outbox (id, topic, message_key, envelope)
       SELECT $${n + 1}, $${n + 2}, $${n + 3},
              $${n + 4}::jsonb || jsonb_build_object('data', ($${n + 4}::jsonb -> 'data') || jsonb_build_object(${fields}))
       FROM changed
     )
     SELECT * FROM changed`,
    [...change.params, envelope.id, definition.topic, key, JSON.stringify(envelope)],
  )) as Row[];
}

/**
 * A fact for a statement that writes its outbox row itself (a server-side function): the
 * envelope with the data known before (`known`), its topic and its key (from `known`). The
 * statement must write it as `enqueue` does, with the fields only it knows (`K`) merged into
 * `data`.
 */
export function pendingFact<T, K extends keyof T & string>(
  definition: FactDefinition<T>,
  known: Omit<T, K>,
): { envelope: EventEnvelope<Omit<T, K>>; topic: string; key: string } {
  return {
    envelope: envelopeOf(definition, known),
    topic: definition.topic,
    key: definition.key(known as T),
  };
}

/**
 * Records that a consumed fact was handled, in the handler's transaction. Returns false when
 * it was handled before (a redelivery), so the handler skips it.
 */
export async function markProcessed(manager: EntityManager, eventId: string): Promise<boolean> {
  const result = await manager.query(
    'INSERT INTO processed_events (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id',
    [eventId],
  );
  return Array.isArray(result) && result.length > 0;
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  kafka: Kafka;
  logger: Logger;
  batchSize?: number;
  idleIntervalMs?: number;
  /** Topics to create (with their partition count) before the first send; never blocks start-up. */
  topics?: string[];
}

// One relay per database sends at a time, so facts with the same key keep their order.
const RELAY_LOCK = 7_042_001;

/**
 * Moves outbox rows to Kafka, oldest first. Delivery is at-least-once: a crash between send
 * and mark resends, and consumers de-duplicate by envelope id. While Kafka is down the rows
 * wait and the relay backs off; nothing is lost.
 */
export class OutboxRelay {
  private producer: Producer;
  private connected = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failures = 0;
  private wake: (() => void) | undefined;
  private nudged = false;
  private loop: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.producer = createProducer(options.kafka);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Asks for a relay pass now (after a commit) instead of at the next interval. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
  }

  private async waiting(): Promise<boolean> {
    const [{ waiting }] = (await this.options.dataSource.query(
      'SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL) AS waiting',
    )) as Array<{ waiting: boolean }>;
    return waiting;
  }

  /** Rows still waiting; `/health` reports it and tests wait for zero. */
  async pending(): Promise<number> {
    const [{ count }] = (await this.options.dataSource.query(
      'SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL',
    )) as Array<{ count: number }>;
    return count;
  }

  private async run(): Promise<void> {
    const idle = this.options.idleIntervalMs ?? 250;
    const batchSize = this.options.batchSize ?? 200;
    let asked = true;
    while (!this.stopped) {
      // A commit nudges after it is visible: one nudged from here on is seen by this pass's
      // read, or the pass is followed by another.
      this.nudged = false;
      let sent = 0;
      try {
        sent = await this.relayBatch(asked, batchSize);
        this.failures = 0;
        this.lastError = undefined;
      } catch (error) {
        this.failures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn(
            { err: error, failures: this.failures },
            'outbox relay cannot reach Kafka; will retry',
          );
        }
        if (this.connected) {
          this.connected = false;
          await this.producer.disconnect().catch(() => undefined);
        }
        // A new producer, not this one reconnected: an idempotent producer keeps its id and
        // sequence numbers across reconnects, and a broker that restarted may refuse them on
        // every send (OUT_OF_ORDER_SEQUENCE_NUMBER), which left an outbox undrained for good.
        this.producer = createProducer(this.options.kafka);
      }
      // A full batch may have more behind it; a commit nudged during the pass may not be in it.
      asked = this.failures === 0 && (sent === batchSize || this.nudged);
      if (asked) continue;
      const delay =
        this.failures > 0 ? Math.min(5_000, 250 * 2 ** Math.min(this.failures, 5)) : idle;
      asked = await new Promise<boolean>((resolve) => {
        this.wake = () => resolve(true);
        this.timer = setTimeout(() => resolve(false), delay);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
  }

  private topicsReady = false;

  /**
   * One pass: the oldest unsent rows to Kafka, then marked sent, under the relay lock. A pass
   * nobody asked for (the idle timer's) first looks whether anything waits, in one round trip.
   */
  private async relayBatch(asked: boolean, batchSize: number): Promise<number> {
    if (!this.topicsReady && this.options.topics?.length) {
      await ensureTopics(this.options.kafka, this.options.topics);
      this.topicsReady = true;
    }
    if (!asked && !(await this.waiting())) return 0;
    return this.options.dataSource.transaction(async (manager) => {
      // The lock is taken once (an InitPlan), in the same round trip; another relay holding it
      // reads nothing here.
      const rows = (await manager.query(
        `SELECT seq, topic, message_key, envelope FROM outbox
         WHERE published_at IS NULL AND (SELECT pg_try_advisory_xact_lock($2))
         ORDER BY seq LIMIT $1`,
        [batchSize, RELAY_LOCK],
      )) as Array<{ seq: string; topic: string; message_key: string; envelope: EventEnvelope }>;
      if (rows.length === 0) return 0;
      if (!this.connected) {
        await this.producer.connect();
        this.connected = true;
      }
      const byTopic = new Map<string, Array<{ key: string; value: string }>>();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, value: JSON.stringify(row.envelope) });
        byTopic.set(row.topic, messages);
      }
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await manager.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [
        rows.map((r) => r.seq),
      ]);
      return rows.length;
    });
  }
}
