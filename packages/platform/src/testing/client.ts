import type { KafkaCredentials } from '../kafka-access';
import { testKafkaCredentials } from './kafka';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    extensions?: Record<string, unknown> & { code?: string };
  }>;
}

/** A GraphQL request exactly as a client would send it over HTTP. */
export async function graphql<T = Record<string, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any -- see above
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: Omit<GraphQLResult<T>, 'status'>;
  try {
    body = JSON.parse(text) as Omit<GraphQLResult<T>, 'status'>;
  } catch {
    throw new Error(`Not a GraphQL response (HTTP ${response.status}): ${text.slice(0, 500)}`);
  }
  return { status: response.status, ...body };
}

/** The `extensions.code` of each error, for compact assertions. */
export const errorCodes = (result: GraphQLResult<unknown>): Array<string | undefined> =>
  (result.errors ?? []).map((e) => e.extensions?.code);

/** Test-wide infrastructure provided by `npm test` (scripts/test.ts). */
export function testInfrastructure(): {
  postgresUrl: string;
  kafkaBrokers: string;
  kafkaCredentials: KafkaCredentials;
} {
  const postgresUrl = process.env.TEST_POSTGRES_URL;
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  if (!postgresUrl || !kafkaBrokers) {
    throw new Error(
      'Run integration tests with `npm test`, which provisions PostgreSQL and Kafka (or set TEST_POSTGRES_URL and KAFKA_BROKERS).',
    );
  }
  return { postgresUrl, kafkaBrokers, kafkaCredentials: testKafkaCredentials() };
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}
