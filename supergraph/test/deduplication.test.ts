import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { deduplicateQueries } from '../src/deduplication';

const QUERY = JSON.stringify({
  query: 'query Page__events__0 { events { edges { node { id } } } }',
  variables: {},
});
const ENTITIES = JSON.stringify({
  query:
    'query Page__tickets__1($representations: [_Any!]!) { _entities(representations: $representations) { ... on Event { tiers { id } } } }',
  variables: { representations: [{ __typename: 'Event', id: 'e1' }] },
});
const MUTATION = JSON.stringify({
  query:
    'mutation Buy__tickets__0($input: PurchaseInput!) { purchaseTickets(input: $input) { id } }',
});

/** A subgraph that answers only when told to, counting what reaches it. */
function slowSubgraph() {
  const calls: FetcherRequestInit[] = [];
  const pending: Array<() => void> = [];
  let failNext = false;
  const fetcher: Fetcher = (_url, init = {}) => {
    calls.push(init);
    const n = calls.length;
    const fail = failNext;
    failNext = false;
    return new Promise<FetcherResponse>((resolve, reject) =>
      pending.push(() =>
        fail
          ? reject(new Error('connection reset'))
          : resolve(
              new Response(JSON.stringify({ data: { n } }), {
                status: 200,
                headers: { 'content-type': 'application/json' },
              }) as unknown as FetcherResponse,
            ),
      ),
    );
  };
  return {
    fetcher,
    calls,
    answerAll: () => pending.splice(0).forEach((answer) => answer()),
    failNextCall: () => (failNext = true),
  };
}

const post = (body: string, authorization?: string): FetcherRequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body,
});
const URL_ = 'http://127.0.0.1:4003/graphql';
const tick = () => new Promise((resolve) => setImmediate(resolve));

it('sends identical queries in flight together once, and gives each caller its own readable copy', async () => {
  const subgraph = slowSubgraph();
  let shared = 0;
  const fetch = deduplicateQueries(subgraph.fetcher, () => shared++);
  const answers = [
    fetch(URL_, post(ENTITIES)),
    fetch(URL_, post(ENTITIES)),
    fetch(URL_, post(ENTITIES)),
  ];
  await tick();
  subgraph.answerAll();
  const responses = await Promise.all(answers);
  expect(subgraph.calls).toHaveLength(1);
  expect(shared).toBe(2);
  for (const response of responses) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ data: { n: 1 } });
  }
});

it('never shares between different callers, different bodies, or with mutations', async () => {
  const subgraph = slowSubgraph();
  const fetch = deduplicateQueries(subgraph.fetcher);
  const answers = [
    fetch(URL_, post(QUERY, 'Bearer fan-a')),
    fetch(URL_, post(QUERY, 'Bearer fan-b')),
    fetch(URL_, post(QUERY)),
    fetch(URL_, post(ENTITIES, 'Bearer fan-a')),
    fetch(URL_, post(MUTATION, 'Bearer fan-a')),
    fetch(URL_, post(MUTATION, 'Bearer fan-a')),
  ];
  await tick();
  subgraph.answerAll();
  const bodies = await Promise.all(
    answers.map(async (a) => ((await (await a).json()) as { data: { n: number } }).data.n),
  );
  expect(subgraph.calls).toHaveLength(6);
  expect(new Set(bodies).size).toBe(6);
});

it('keeps nothing once the answer is in: a later identical query is sent again', async () => {
  const subgraph = slowSubgraph();
  const fetch = deduplicateQueries(subgraph.fetcher);
  const first = fetch(URL_, post(QUERY));
  await tick();
  subgraph.answerAll();
  expect(await (await first).json()).toEqual({ data: { n: 1 } });
  const second = fetch(URL_, post(QUERY));
  await tick();
  subgraph.answerAll();
  expect(await (await second).json()).toEqual({ data: { n: 2 } });
  expect(subgraph.calls).toHaveLength(2);
});

it('gives every waiting caller the failure of the shared fetch, and the next query a fresh one', async () => {
  const subgraph = slowSubgraph();
  const fetch = deduplicateQueries(subgraph.fetcher);
  subgraph.failNextCall();
  const answers = [fetch(URL_, post(QUERY)), fetch(URL_, post(QUERY))];
  await tick();
  subgraph.answerAll();
  for (const answer of answers) await expect(answer).rejects.toThrow('connection reset');
  const retry = fetch(URL_, post(QUERY));
  await tick();
  subgraph.answerAll();
  expect((await retry).status).toBe(200);
  expect(subgraph.calls).toHaveLength(2);
});
