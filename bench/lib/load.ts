/**
 * A small load generator: GraphQL over HTTP/1.1 with keep-alive, a fixed number of requests in
 * flight (closed loop: each virtual client sends its next request when the previous one has
 * been answered), stopped by a time limit and a request budget, whichever comes first.
 * Loopback only: it refuses any other host.
 */
import { Agent, request } from 'node:http';
import { Samples, nowMs, round, type Distribution } from './stats';

export interface GraphQLAnswer {
  status: number;
  /** Parsed body; undefined when the answer was not JSON. */
  body?: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  /** A transport failure (connection reset, timeout). */
  failure?: string;
}

function assertLoopback(url: URL): void {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error(`The bench only targets loopback, not ${url.host}`);
}

/** One keep-alive connection pool to one GraphQL endpoint. */
export class GraphQLHttp {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    endpoint: string,
    maxSockets: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.url = new URL(endpoint);
    assertLoopback(this.url);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  post(body: string | Buffer, token?: string): Promise<GraphQLAnswer> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(text) as GraphQLAnswer['body'],
              });
            } catch {
              resolve({ status: res.statusCode ?? 0, failure: `not JSON: ${text.slice(0, 120)}` });
            }
          });
          res.on('error', (error) => resolve({ status: 0, failure: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ status: 0, failure: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The outcome class of an answer: `ok`, an error code, `http_<status>` or `transport`. */
export function outcomeOf(answer: GraphQLAnswer): string {
  if (answer.failure) return 'transport';
  const code = answer.body?.errors?.[0]?.extensions?.code;
  if (answer.body?.errors?.length) return code ?? 'error';
  if (answer.status !== 200) return `http_${answer.status}`;
  return 'ok';
}

export interface LoadResult {
  requests: number;
  ok: number;
  outcomes: Record<string, number>;
  seconds: number;
  /** Answered requests per second. */
  throughput: number;
  latency: Distribution;
  samples: Samples;
  /** First few error messages, to say what went wrong. */
  errorExamples: string[];
}

export interface ClosedLoopOptions {
  client: GraphQLHttp;
  body: string;
  token?: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  /** Checks a successful answer's data; a false answer counts as `bad_data`. */
  accept?: (data: Record<string, unknown>) => boolean;
}

/** Runs one closed-loop load phase. */
export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const samples = new Samples();
  const outcomes: Record<string, number> = {};
  const errorExamples: string[] = [];
  const body = Buffer.from(options.body);
  const started = nowMs();
  const deadline = started + options.durationMs;
  let issued = 0;
  const worker = async () => {
    while (nowMs() < deadline && issued < options.maxRequests) {
      issued++;
      const t0 = nowMs();
      const answer = await options.client.post(body, options.token);
      samples.push(nowMs() - t0);
      let outcome = outcomeOf(answer);
      if (outcome === 'ok' && options.accept && !options.accept(answer.body?.data ?? {}))
        outcome = 'bad_data';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome !== 'ok' && errorExamples.length < 5)
        errorExamples.push(
          answer.failure ?? JSON.stringify(answer.body?.errors ?? answer.body).slice(0, 300),
        );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (nowMs() - started) / 1000;
  return {
    requests: samples.count,
    ok: outcomes.ok ?? 0,
    outcomes,
    seconds: round(seconds),
    throughput: round(samples.count / seconds, 1),
    latency: samples.summary(),
    samples,
    errorExamples,
  };
}

export { inParallel } from '@ko/platform/testing';

/** What a socket's failure was: graphql-ws hands over an Error, a CloseEvent or an ErrorEvent. */
export function describeSocketFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  const e = error as { code?: number; reason?: string; message?: string; type?: string } | null;
  if (e?.code !== undefined) return `closed ${e.code} ${e.reason ?? ''}`.trim();
  return e?.message ?? e?.type ?? String(error);
}
