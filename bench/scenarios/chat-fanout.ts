/**
 * Scenario 3, chat fan-out: many graphql-ws subscribers on one event's `messagePosted`, over
 * WebSocket through the router, while messages are posted through the router at a fixed rate
 * (open loop: a post leaves on schedule whether or not the previous one was answered).
 * Latency is from the moment a post is sent to the moment a subscriber receives it; every
 * subscriber must receive every message that was posted (lost deliveries: 0).
 *
 * Baseline: a bare kafkajs produce-to-consume round trip at the same rate, the floor under
 * the outbox relay and the subscriptions service's consumer.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws/client';
import { Kafka, logLevel } from 'kafkajs';
import { GraphQLHttp, inParallel, outcomeOf } from '../lib/load';
import { Samples, nowMs, round, type Distribution } from '../lib/stats';
import type { Account } from './setup';

const MESSAGE_POSTED = `subscription Chat($eventId: ID!) {
  messagePosted(eventId: $eventId) { id body kind createdAt author { id name } }
}`;
const POST =
  'mutation Post($eventId: ID!, $body: String!) { postMessage(eventId: $eventId, body: $body) { id createdAt } }';

export interface ChatOptions {
  gatewayUrl: string;
  /** The router's WebSocket URL (ws://…/graphql). */
  websocketUrl: string;
  /** The subscriptions instance's /stats, to wait until every subscription is live. */
  statsUrl: string;
  eventId: string;
  posters: Account[];
  subscribers: number;
  ratePerSecond: number;
  durationMs: number;
  drainMs: number;
  log: (message: string) => void;
}

export interface ChatResult {
  subscribers: number;
  connectSeconds: number;
  ratePerSecond: number;
  achievedRatePerSecond: number;
  seconds: number;
  posted: number;
  postOutcomes: Record<string, number>;
  postLatency: Distribution;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Subscriptions that ended (error, close) before the end. */
  subscriptionsEnded: number;
  latency: Distribution;
  curve: Array<[number, number]>;
  errorExamples: string[];
}

interface Subscriber {
  client: Client;
  received: Uint8Array;
  count: number;
  ended: boolean;
}

const bodyOf = (run: string, i: number) => `bench ${run} #${i}`;

export async function runChat(options: ChatOptions): Promise<ChatResult> {
  const run = randomBytes(3).toString('hex');
  const planned = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const warmUpMessages = 10;
  const sentAt = new Float64Array(planned).fill(NaN);
  const latency = new Samples();
  const errorExamples: string[] = [];
  let duplicates = 0;
  let warmReceived = 0;
  const prefix = `bench ${run} #`;
  const warmPrefix = `warm ${run} #`;

  const subscribers: Subscriber[] = [];
  const t0 = nowMs();
  await inParallel(
    Array.from({ length: options.subscribers }, (_, i) => i),
    50,
    (i) =>
      new Promise<void>((resolve, reject) => {
        const subscriber: Subscriber = {
          received: new Uint8Array(planned),
          count: 0,
          ended: false,
          client: createClient({
            url: options.websocketUrl,
            webSocketImpl: WebSocket,
            lazy: false,
            retryAttempts: 0,
            // The bench's own sockets: pings every 15 s are answered by the client library.
            on: { connected: () => resolve() },
            onNonLazyError: (error) =>
              reject(new Error(`subscriber ${i} could not connect: ${String(error)}`)),
          }),
        };
        subscribers.push(subscriber);
        subscriber.client.subscribe<{ messagePosted: { body: string } }>(
          { query: MESSAGE_POSTED, variables: { eventId: options.eventId } },
          {
            next: (result) => {
              const now = nowMs();
              const body = result.data?.messagePosted.body ?? '';
              if (body.startsWith(warmPrefix)) {
                warmReceived++;
                return;
              }
              if (!body.startsWith(prefix)) return;
              const n = Number(body.slice(prefix.length));
              if (!(n >= 0 && n < planned)) return;
              if (subscriber.received[n]) {
                duplicates++;
                return;
              }
              subscriber.received[n] = 1;
              subscriber.count++;
              latency.push(now - sentAt[n]);
            },
            error: (error) => {
              subscriber.ended = true;
              if (errorExamples.length < 5)
                errorExamples.push(`subscription error: ${JSON.stringify(error).slice(0, 200)}`);
            },
            complete: () => {
              subscriber.ended = true;
            },
          },
        );
      }),
  );
  await until(
    async () => (await liveSubscriptions(options.statsUrl)) >= options.subscribers,
    60_000,
    'every subscription live',
  );
  const connectSeconds = round((nowMs() - t0) / 1000, 1);
  options.log(
    `  ${options.subscribers} subscribers connected and subscribed in ${connectSeconds} s`,
  );

  const posting = new GraphQLHttp(options.gatewayUrl, 64, 30_000);
  try {
    // Warm-up (not measured): a few posts every subscriber must receive.
    for (let i = 0; i < warmUpMessages; i++) {
      const answer = await posting.post(
        JSON.stringify({
          query: POST,
          variables: { eventId: options.eventId, body: `${warmPrefix}${i}` },
        }),
        options.posters[i % options.posters.length].token,
      );
      if (outcomeOf(answer) !== 'ok')
        throw new Error(
          `chat warm-up post failed: ${JSON.stringify(answer.body ?? answer.failure)}`,
        );
    }
    await until(
      async () => warmReceived >= warmUpMessages * options.subscribers,
      30_000,
      'warm-up messages delivered to every subscriber',
    );

    // The measured phase: posts on a fixed schedule, several posters in turn so that none
    // exceeds the chat's per-user rate limit.
    const postLatency = new Samples();
    const postOutcomes: Record<string, number> = {};
    const okPosts: boolean[] = new Array(planned).fill(false);
    const intervalMs = 1000 / options.ratePerSecond;
    const started = nowMs();
    const inflight: Array<Promise<void>> = [];
    for (let i = 0; i < planned; i++) {
      const due = started + i * intervalMs;
      const wait = due - nowMs();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const poster = options.posters[i % options.posters.length];
      sentAt[i] = nowMs();
      inflight.push(
        posting
          .post(
            JSON.stringify({
              query: POST,
              variables: { eventId: options.eventId, body: bodyOf(run, i) },
            }),
            poster.token,
          )
          .then((answer) => {
            postLatency.push(nowMs() - sentAt[i]);
            const outcome = outcomeOf(answer);
            postOutcomes[outcome] = (postOutcomes[outcome] ?? 0) + 1;
            okPosts[i] = outcome === 'ok';
            if (outcome !== 'ok' && errorExamples.length < 5)
              errorExamples.push(
                answer.failure ?? JSON.stringify(answer.body?.errors).slice(0, 300),
              );
          }),
      );
    }
    const lastSent = nowMs();
    await Promise.all(inflight);
    const posted = okPosts.filter(Boolean).length;
    const expectedDeliveries = posted * options.subscribers;
    const delivered = () => subscribers.reduce((sum, s) => sum + s.count, 0);
    await until(
      async () => delivered() >= expectedDeliveries,
      options.drainMs,
      'every delivery',
    ).catch(() => undefined);
    const seconds = (lastSent - started) / 1000;
    let lost = 0;
    for (const s of subscribers)
      for (let i = 0; i < planned; i++) if (okPosts[i] && !s.received[i]) lost++;
    return {
      subscribers: options.subscribers,
      connectSeconds,
      ratePerSecond: options.ratePerSecond,
      achievedRatePerSecond: round((planned - 1) / seconds, 1),
      seconds: round(seconds),
      posted,
      postOutcomes,
      postLatency: postLatency.summary(),
      expectedDeliveries,
      delivered: delivered(),
      lost,
      duplicates,
      subscriptionsEnded: subscribers.filter((s) => s.ended).length,
      latency: latency.summary(),
      curve: latency.curve(),
      errorExamples,
    };
  } finally {
    posting.close();
    await Promise.all(subscribers.map((s) => s.client.dispose()));
  }
}

async function liveSubscriptions(statsUrl: string): Promise<number> {
  try {
    const response = await fetch(statsUrl);
    return ((await response.json()) as { subscriptions: number }).subscriptions;
  } catch {
    return 0;
  }
}

async function until(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`chat: timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface KafkaRoundTripResult {
  ratePerSecond: number;
  seconds: number;
  produced: number;
  consumed: number;
  lost: number;
  latency: Distribution;
  curve: Array<[number, number]>;
}

/** A bare kafkajs round trip: one producer (acks all, defaults otherwise) and one consumer. */
export async function runKafkaRoundTrip(options: {
  brokers: string[];
  /** A broker account allowed to create a topic and a group of its own (the administrator's). */
  login: { username: string; password: string };
  ratePerSecond: number;
  durationMs: number;
  drainMs: number;
  log: (message: string) => void;
}): Promise<KafkaRoundTripResult> {
  const run = randomBytes(3).toString('hex');
  const topic = `bench.roundtrip.${run}`;
  const kafka = new Kafka({
    clientId: `bench-${run}`,
    brokers: options.brokers,
    // SASL/SCRAM like the services: the stack's deliveries pay for it too.
    sasl: { mechanism: 'scram-sha-256', ...options.login },
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-${run}` });
  const planned = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const latency = new Samples();
  const seen = new Uint8Array(planned);
  let consumed = 0;
  let warm = 0;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = nowMs();
        const value = JSON.parse(message.value?.toString() ?? '{}') as {
          i: number;
          sentAt: number;
          warm?: boolean;
        };
        if (value.warm) {
          warm++;
          return;
        }
        if (value.i >= 0 && value.i < planned && !seen[value.i]) {
          seen[value.i] = 1;
          consumed++;
          latency.push(now - value.sentAt);
        }
      },
    });
    await joined;
    for (let i = 0; i < 10; i++)
      await producer.send({
        topic,
        messages: [{ value: JSON.stringify({ i, sentAt: nowMs(), warm: true }) }],
      });
    await until(async () => warm >= 10, 30_000, 'Kafka warm-up messages');

    const intervalMs = 1000 / options.ratePerSecond;
    const started = nowMs();
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < planned; i++) {
      const wait = started + i * intervalMs - nowMs();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(
        producer.send({
          topic,
          messages: [{ key: String(i), value: JSON.stringify({ i, sentAt: nowMs() }) }],
        }),
      );
    }
    const seconds = (nowMs() - started) / 1000;
    await Promise.all(sends);
    await until(async () => consumed >= planned, options.drainMs, 'every Kafka message').catch(
      () => undefined,
    );
    return {
      ratePerSecond: options.ratePerSecond,
      seconds: round(seconds),
      produced: planned,
      consumed,
      lost: planned - consumed,
      latency: latency.summary(),
      curve: latency.curve(),
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
