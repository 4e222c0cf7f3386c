import { request as httpRequest } from 'node:http';
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

/** How a test request leaves this machine, when it must look like a particular client. */
export interface RequestOrigin {
  /** A loopback source address (127.0.0.2, …): a second client, or an attacker, on one machine. */
  from?: string;
  /** Extra headers, e.g. a forged `x-forwarded-for`. */
  headers?: Record<string, string>;
}

/** A GraphQL request exactly as a client would send it over HTTP. */
export async function graphql<T = Record<string, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any -- see above
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  origin: RequestOrigin = {},
): Promise<GraphQLResult<T>> {
  const headers = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...origin.headers,
  };
  const body = JSON.stringify({ query, variables });
  const { status, text } = origin.from
    ? await postFrom(origin.from, url, headers, body)
    : await fetch(url, { method: 'POST', headers, body }).then(async (response) => ({
        status: response.status,
        text: await response.text(),
      }));
  let parsed: Omit<GraphQLResult<T>, 'status'>;
  try {
    parsed = JSON.parse(text) as Omit<GraphQLResult<T>, 'status'>;
  } catch {
    throw new Error(`Not a GraphQL response (HTTP ${status}): ${text.slice(0, 500)}`);
  }
  return { status, ...parsed };
}

/** A POST whose socket is bound to `localAddress` (fetch cannot choose its source address). */
function postFrom(
  localAddress: string,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
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

/**
 * A router metric from its /metrics (beside `routerUrl`'s /graphql): the sum of the samples named
 * `name` whose labels include every one of `labels`, 0 when there is none.
 */
export async function routerMetric(
  routerUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(routerUrl.replace('/graphql', '/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample || sample[1] !== name) continue;
    const found = new Map(
      [...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value))
      sum += Number(sample[3]);
  }
  return sum;
}
