import type { Fetcher } from '@apollo/utils.fetcher';
import { AnswerHeaders, HttpAnswer } from '@ko/platform/http-client';
import { SingleFlight } from '@ko/platform/single-flight';

/** Operations whose subgraph fetches must each run: they change data, or stream. */
const NOT_SHAREABLE = /"query"\s*:\s*"\s*(mutation|subscription)\b/;

interface Answer {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * In-flight deduplication of subgraph queries: while a fetch is on its way, an identical one
 * (same subgraph, same caller's Authorization, same body) waits for it and gets a copy of its
 * answer instead of sending its own. Many people opening the same page at once then cost the
 * subgraphs one fetch, not one each. Nothing is kept once the answer is in: this is not a cache,
 * so a query sent after a write has finished never sees data from before it (its own fetch
 * starts after the write, or joins one that did). Mutations are never shared.
 *
 * The key leaves out `x-forwarded-for` and `x-request-start`: subgraphs read the client address
 * and the request's start only in mutations (sign-in throttling, joining a waiting room), and
 * mutations are never shared.
 */
export function deduplicateQueries(
  fetcher: Fetcher,
  onShared: () => void = () => undefined,
): Fetcher {
  const inflight = new SingleFlight<string, Answer>();
  return async (url, init = {}) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body === undefined || NOT_SHAREABLE.test(body)) return fetcher(url, init);
    const key = `${url}\n${init.headers?.authorization ?? ''}\n${body}`;
    const answer = inflight.run(
      key,
      async () => {
        const response = await fetcher(url, init);
        return {
          status: response.status,
          statusText: response.statusText,
          headers: [...response.headers],
          body: await response.text(),
        };
      },
      onShared,
    );
    const { status, statusText, headers, body: text } = await answer;
    // Each caller reads its own copy of the answer.
    return new HttpAnswer(url, status, statusText, new AnswerHeaders(headers), Buffer.from(text));
  };
}
