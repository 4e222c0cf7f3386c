// Checks kafkajs against the provisioned broker: topic, produce, consume in a group, then a broker
// outage (stop + start on the same data) that the same producer and consumer must ride out.
//   npx tsx scripts/kafka/verify.ts [dataDir]   (default: a fresh temp dir, removed afterwards)
//   OUTAGE_MS=20000 npx tsx scripts/kafka/verify.ts   (a longer outage: the consumer crashes and restarts)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka } from '../provision/kafka';

const topic = 'verify.events';
const began = Date.now();

async function main(): Promise<void> {
  const tmp = !process.argv[2];
  const dataDir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ko-kafka-verify-'));
  const t0 = Date.now();
  const broker = await startKafka({ dataDir, log: (m) => console.log(m) });
  step(`started (fetch + start) in ${secs(t0)}`);

  // As the administrator: it creates a topic and a group of its own.
  const kafka = new Kafka({
    clientId: 'verify',
    brokers: [broker.brokers],
    sasl: { mechanism: 'scram-sha-256', ...broker.credentials.admin },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  step(`topic ${topic} created`);

  const producer = kafka.producer();
  await producer.connect();
  const received: string[] = [];
  const consumer = kafka.consumer({ groupId: 'verify-group' });
  await consumer.connect();
  consumer.on(consumer.events.CRASH, (e) =>
    step(`consumer crashed (${e.payload.error.message}), restart: ${e.payload.restart}`),
  );
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push(String(message.value));
    },
  });

  await producer.send({ topic, messages: ['a', 'b', 'c'].map((v) => ({ key: v, value: v })) });
  await until(() => received.length >= 3, 'group consumer to get a, b, c');
  step(`consumed in group: ${received.join(',')}`);

  const t1 = Date.now();
  await broker.stop();
  step(`broker stopped in ${secs(t1)}`);
  await sleep(Number(process.env.OUTAGE_MS ?? 2_000)); // a real outage, not just a blip
  const t2 = Date.now();
  await broker.start();
  step(`broker restarted in ${secs(t2)} on ${broker.brokers}`);

  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  step(`topic survived with ${meta.topics[0].partitions.length} partitions (admin reconnected)`);

  const t3 = Date.now();
  await producer.send({ topic, messages: [{ key: 'd', value: 'd' }] });
  step(`same producer sent after restart (${secs(t3)})`);
  await until(() => received.includes('d'), 'same group consumer to get d after the restart');
  step(`same consumer got d; total ${received.length} (${received.join(',')})`);

  // A new group reading from the beginning sees everything written before and after the outage.
  const replay: string[] = [];
  const fresh = kafka.consumer({ groupId: 'verify-replay' });
  await fresh.connect();
  await fresh.subscribe({ topic, fromBeginning: true });
  await fresh.run({
    eachMessage: async ({ message }) => {
      replay.push(String(message.value));
    },
  });
  await until(() => replay.length >= 4, 'a new group to replay a, b, c, d');
  step(`new group replayed: ${[...replay].sort().join(',')}`);

  await Promise.all([
    fresh.disconnect(),
    consumer.disconnect(),
    producer.disconnect(),
    admin.disconnect(),
  ]);
  await broker.stop();
  if (tmp) fs.rmSync(dataDir, { recursive: true, force: true });
  step(`OK in ${secs(t0)}`);
}

function step(msg: string): void {
  console.log(`✔ [${secs(began).padStart(6)}] ${msg}`);
}

function secs(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(ok: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('✘', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
