import {
  errorCodes,
  graphql,
  inParallel,
  RouterClient,
  routerMetric,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

/**
 * The query-cost attacks of issue 12, sent to a real stack: through the router (refused before
 * any subgraph is called), and straight at the events subgraph (its own per-request budget).
 * The events service runs with small budgets here so that a few dozen rows can show them.
 */

const BUDGET = {
  MAX_SQL_STATEMENTS_PER_REQUEST: '12',
  MAX_ROWS_PER_REQUEST: '40',
  MAX_RESPONSE_BYTES: '8192',
};
const ORGANIZERS = 6;
const EVENTS_EACH = 2;
const PROLIFIC_EVENTS = 45;

let stack: Stack;
let url: string;
let eventsUrl: string;
let client: RouterClient;
const tokens: { organizers: string[]; prolific: string; fan: string } = {
  organizers: [],
  prolific: '',
  fan: '',
};
let prolificId = '';
let tieredEventId = '';

const call = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  graphql(url, query, variables, token);

const subgraphRequestCount = () => routerMetric(url, 'router_subgraph_requests_total');

/** Events on fixed days (2031), so that pages and their order are the same every run. */
const publishedEvent = async (token: string, title: string, day: number) =>
  (
    await client.event(token, [], {
      title,
      description: 'An evening of tests.',
      venue: 'Hall',
      city: 'Riga',
      startsAt: new Date(Date.UTC(2031, 0, 1 + day, 20)).toISOString(),
    })
  ).id;

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'chat', 'router'],
    serviceEnv: {
      events: BUDGET,
      chat: { MAX_SQL_STATEMENTS_PER_REQUEST: BUDGET.MAX_SQL_STATEMENTS_PER_REQUEST },
      users: { LOGIN_ATTEMPTS_PER_ADDRESS: '100000' },
    },
  });
  url = stack.routerUrl;
  eventsUrl = stack.urls.events!;
  client = new RouterClient(url);
  for (let i = 0; i < ORGANIZERS; i++) {
    const { token } = await client.account('ORGANIZER', `Organizer ${i}`);
    tokens.organizers.push(token);
    for (let e = 0; e < EVENTS_EACH; e++) {
      const id = await publishedEvent(token, `Show ${i}-${e}`, i * EVENTS_EACH + e);
      tieredEventId ||= id;
    }
  }
  const prolific = await client.account('ORGANIZER', 'Prolific');
  tokens.prolific = prolific.token;
  prolificId = prolific.id;
  await inParallel(
    Array.from({ length: PROLIFIC_EVENTS }, (_, i) => i),
    4,
    (i) => publishedEvent(prolific.token, `Prolific night ${i}`, 100 + i),
  );
  tokens.fan = (await client.account('FAN', 'Fan')).token;
}, 180_000);

afterAll(() => stack?.stop({ dropDatabases: true }));

/** `levels` organizer / organizedEvents loops under one event of a page (the query at 4). */
const organizerLoop = (levels: number) => {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `organizer { organizedEvents { ${selection} } }`;
  return `{ events(first: 1) { edges { node { ${selection} } } } }`;
};

describe('query cost at the router', () => {
  const refusedBeforeAnySubgraph = async (
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ) => {
    const before = await subgraphRequestCount();
    const result = await call(query, variables, token);
    expect(errorCodes(result)).toEqual(['QUERY_TOO_EXPENSIVE']);
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(await subgraphRequestCount()).toBe(before);
    return result;
  };

  it("refuses the issue's organizer/organizedEvents bomb, and any depth of it past the limit", async () => {
    const refused = await refusedBeforeAnySubgraph(organizerLoop(4));
    expect(refused.errors![0].extensions).toMatchObject({ maxCost: 5000 });
    await refusedBeforeAnySubgraph(organizerLoop(2));
    // One loop is an ordinary question, and is answered.
    const one = await call(organizerLoop(1));
    expect(one.errors).toBeUndefined();
    expect(one.data!.events.edges[0].node.organizer.organizedEvents.length).toBeGreaterThan(0);
  });

  it('refuses the tiers/event loop and wide pages of nested lists', async () => {
    await refusedBeforeAnySubgraph(
      '{ events(first: 20) { edges { node { tiers { event { tiers { event { tiers { id } } } } } } } } }',
    );
    await refusedBeforeAnySubgraph(
      '{ events(first: 100) { edges { node { organizer { organizedEvents { id } } } } } }',
    );
  });

  it('multiplies by `first` given in variables', async () => {
    const query =
      'query($n: Int, $m: Int) { events(first: $n) { edges { node { organizer { organizedEvents(first: $m) { id } } } } } }';
    await refusedBeforeAnySubgraph(query, { n: 100, m: 100 });
    const small = await call(query, { n: 3, m: 5 });
    expect(small.errors).toBeUndefined();
    expect(small.data!.events.edges).toHaveLength(3);
  });

  it('refuses pdf (a lambda render) once per order per alias, and counts it even in one list', async () => {
    // Ten aliases of every order's PDF: over the cost limit by far.
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: orders { pdf }`).join(' ');
    await refusedBeforeAnySubgraph(`{ me { ${aliases} } }`, {}, tokens.fan);
    // Within the cost limit, but more lambda calls than one request may make.
    const orderId = '00000000-0000-4000-8000-000000000000';
    const three = Array.from({ length: 3 }, (_, i) => `o${i}: order(id: "${orderId}") { pdf }`);
    const refused = await refusedBeforeAnySubgraph(`{ ${three.join(' ')} }`, {}, tokens.fan);
    expect(refused.errors![0].extensions).toMatchObject({
      expensiveFields: 3,
      maxExpensiveFields: 2,
    });
    await refusedBeforeAnySubgraph('{ me { orders(first: 3) { pdf } } }', {}, tokens.fan);
    await refusedBeforeAnySubgraph(
      '{ me { organizedEvents(first: 3) { salesReport { ticketsSold } } } }',
      {},
      tokens.organizers[0],
    );
    // Two are allowed (here, no such order: null, after asking the tickets service).
    const two = await call(`{ ${three.slice(0, 2).join(' ')} }`, {}, tokens.fan);
    expect(two.errors).toBeUndefined();
    expect(two.data).toEqual({ o0: null, o1: null });
  });

  it('answers a bounded list with a size the schema refuses past 100', async () => {
    const result = await call('{ me { organizedEvents(first: 101) { id } } }', {}, tokens.prolific);
    expect(errorCodes(result)).toContain('BAD_USER_INPUT');
  });
});

describe('lists with a hard maximum', () => {
  it('keeps an event to 20 tiers, even against 25 additions at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        call(
          'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
          { e: tieredEventId, t: { name: `Tier ${i}`, priceCents: 100 * i, capacity: 10 } },
          tokens.organizers[0],
        ),
      ),
    );
    const refused = results.filter((r) => r.errors);
    expect(results.length - refused.length).toBe(20);
    for (const r of refused) expect(errorCodes(r)).toEqual(['CONFLICT']);
    const event = await call('query($id: ID!) { event(id: $id) { tiers { id } } }', {
      id: tieredEventId,
    });
    expect(event.data!.event.tiers).toHaveLength(20);
  });
});

describe('per-parent lists are batched', () => {
  it('answers a page of events with each organizer’s events in a fixed number of statements', async () => {
    // One statement per event's organizer would be 12 + 2 here, over the events service's
    // budget of 12; batched, the page costs the same whatever its size.
    const result = await call(
      '{ events(first: 12) { edges { node { id organizer { id organizedEvents(first: 3) { id title } } } } } }',
    );
    expect(result.errors).toBeUndefined();
    const edges = result.data!.events.edges as Array<{
      node: { organizer: { organizedEvents: Array<{ id: string }> } };
    }>;
    expect(edges).toHaveLength(ORGANIZERS * EVENTS_EACH);
    for (const edge of edges) expect(edge.node.organizer.organizedEvents).toHaveLength(EVENTS_EACH);
  });

  it('answers every event’s chat of a page in a fixed number of statements', async () => {
    // Two lists per event, 12 events: 24 statements one by one, over the chat budget of 12.
    await call(
      'mutation($e: ID!, $b: String!) { postAnnouncement(eventId: $e, body: $b) { id } }',
      { e: tieredEventId, b: 'Doors at seven.' },
      tokens.organizers[0],
    );
    const result = await call(
      '{ events(first: 12) { edges { node { id messages(first: 5) { edges { node { body } } } announcements(first: 3) { body } } } } }',
    );
    expect(result.errors).toBeUndefined();
    const edges = result.data!.events.edges as Array<{
      node: { id: string; messages: { edges: unknown[] }; announcements: Array<{ body: string }> };
    }>;
    expect(edges).toHaveLength(12);
    const tiered = edges.find((e) => e.node.id === tieredEventId)!;
    expect(tiered.node.announcements).toEqual([{ body: 'Doors at seven.' }]);
    expect(tiered.node.messages.edges).toHaveLength(1);
  });
});

describe('the events subgraph’s own per-request budget', () => {
  const direct = (query: string, variables: Record<string, unknown> = {}) =>
    graphql(eventsUrl, query, variables);
  const entities = (first: number) =>
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { organizedEvents(first: ${first}) { id } } } }`;

  it('fails a request that would read more rows than allowed, alone, with RESPONSE_TOO_LARGE', async () => {
    // Straight at the subgraph, as anything on its network could: 45 rows, over 40.
    const reps = { r: [{ __typename: 'User', id: prolificId }] };
    const result = await direct(entities(PROLIFIC_EVENTS), reps);
    expect(errorCodes(result)).toEqual(['RESPONSE_TOO_LARGE']);
    expect(result.data ?? null).toBeNull();
    // The service is still up and serves the next request.
    const next = await direct(entities(10), reps);
    expect(next.errors).toBeUndefined();
    expect(next.data!._entities[0].organizedEvents).toHaveLength(10);
  });

  it('fails a request that runs more statements than allowed', async () => {
    // Thirteen different page sizes cannot share a query: thirteen statements, over 12.
    const fields = Array.from(
      { length: 13 },
      (_, i) => `e${i}: organizedEvents(first: ${i + 1}) { id }`,
    ).join(' ');
    const result = await direct(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${fields} } } }`,
      { r: [{ __typename: 'User', id: prolificId }] },
    );
    expect(errorCodes(result)).toEqual(['RESPONSE_TOO_LARGE']);
  });

  it('fails an answer over its byte limit through the router with the same code', async () => {
    const big = await call(
      '{ me { organizedEvents(first: 35) { id title description venue city category startsAt createdAt } } }',
      {},
      tokens.prolific,
    );
    expect(errorCodes(big)).toContain('RESPONSE_TOO_LARGE');
    const small = await call('{ me { organizedEvents(first: 5) { id } } }', {}, tokens.prolific);
    expect(small.errors).toBeUndefined();
  });
});
