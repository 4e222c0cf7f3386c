/**
 * The event Lambda's event source mapping for a self-managed Apache Kafka cluster passes to a
 * function: records grouped by `topic-partition`, keys and values base64-encoded, headers as
 * lists of byte arrays. The local event source (lambdas/event-source) builds the same shape.
 */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** Base64; absent for a record without a key. */
  key?: string;
  /** Base64; null for a tombstone. */
  value: string | null;
  headers: Array<Record<string, number[]>>;
}

export interface SelfManagedKafkaEvent {
  eventSource: 'SelfManagedKafka';
  bootstrapServers: string;
  records: Record<string, KafkaRecord[]>;
}

/** What the function answers: how many messages it sent, skipped as sent before, or recorded as failed. */
export interface SendMailResult {
  records: number;
  sent: number;
  skipped: number;
  failed: number;
}

/** The records of an event in the order they were on each partition. */
export function recordsOf(event: SelfManagedKafkaEvent): KafkaRecord[] {
  return Object.values(event.records ?? {}).flatMap((list) =>
    [...list].sort((a, b) => a.offset - b.offset),
  );
}

export const decodeValue = (record: KafkaRecord): string | null =>
  record.value === null ? null : Buffer.from(record.value, 'base64').toString('utf8');
