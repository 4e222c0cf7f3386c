/**
 * Scenario 3 as the bench runs it: the stack and its floor on the ladder of rates
 * (chat-fanout.ts), then the bare Kafka round trip under the stack's delivery.
 */
import type { CpuWatch } from '../lib/cpu';
import { failure, type BenchResults, type NotMeasured } from '../lib/report';
import type { Sidecar } from '../lib/processes';
import { floorTarget, runChatSweep, stackTarget } from './chat-fanout';
import { runKafkaRoundTrip, type KafkaRoundTripResult } from './kafka-roundtrip';
import type { Account } from './setup';

export async function runChatScenario(options: {
  routerUrl: string;
  /** The subscriptions instance's ws:// URL; undefined when it is not built. */
  subscriptionsUrl: string | undefined;
  floor: Sidecar | NotMeasured;
  eventId: string;
  posters: Account[];
  subscribers: number;
  rates: number[];
  stepMs: number;
  drainMs: number;
  kafka: { brokers: string[]; login: { username: string; password: string } };
  kafkaRatePerSecond: number;
  kafkaMs: number;
  cpu: CpuWatch;
  log: (message: string) => void;
}): Promise<NonNullable<BenchResults['chat']>> {
  if (!options.subscriptionsUrl)
    return { notMeasured: 'the subscriptions service is not built (subscriptions/dist/main.js)' };
  const floor = 'url' in options.floor ? options.floor : undefined;
  const [stack, floorSweep] = await runChatSweep({
    ...options,
    targets: [
      stackTarget({
        ...options,
        statsUrl: options.subscriptionsUrl.replace(/^ws/, 'http').replace(/\/graphql$/, '/stats'),
      }),
      ...(floor ? [floorTarget(floor.url)] : []),
    ],
  });
  options.log(
    `  sustained (p99 < 250 ms, none shed or lost): stack ${stack.sustainedRatePerSecond} msg/s, floor ${floorSweep?.sustainedRatePerSecond ?? '–'} msg/s`,
  );
  let kafka: KafkaRoundTripResult | NotMeasured;
  try {
    kafka = await runKafkaRoundTrip({
      ...options.kafka,
      ratePerSecond: options.kafkaRatePerSecond,
      durationMs: options.kafkaMs,
      drainMs: options.drainMs,
      log: options.log,
    });
    options.log(
      `  kafka: p50 ${kafka.latency.p50Ms} ms, p99 ${kafka.latency.p99Ms} ms, lost ${kafka.lost}`,
    );
  } catch (error) {
    kafka = failure(error);
  }
  return { stack, floor: floorSweep ?? (options.floor as NotMeasured), kafka };
}
