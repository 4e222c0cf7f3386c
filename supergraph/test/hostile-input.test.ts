import fc from 'fast-check';
import { Client } from 'pg';
import { graphql, startStack, testInfrastructure, type Stack } from '@ko/platform/testing';

/**
 * Random and malformed input at every mutation, through the router, as any client could send
 * it. Whatever arrives, the answer is a typed GraphQL error (never a 500, never an internal
 * error), and the databases' invariants hold afterwards.
 */

const ALLOWED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'SOLD_OUT',
  'CONFLICT',
  'RATE_LIMITED',
  'HOLD_EXPIRED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_EXPENSIVE',
  'RESPONSE_TOO_LARGE',
]);
const RUNS = 30;

let stack: Stack;
let url: string;
const tokens: { fan: string; organizer: string } = { fan: '', organizer: '' };
const ids: { event: string; tier: string; hold: string; message: string; code: string } = {
  event: '',
  tier: '',
  hold: '',
  message: '',
  code: '',
};

const call = (query: string, variables: Record<string, unknown>, token?: string) =>
  graphql(url, query, variables, token);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'chat', 'gateway'],
    serviceEnv: { users: { LOGIN_ATTEMPTS_PER_ADDRESS: '100000' } },
  });
  url = stack.gatewayUrl;
  const register = async (email: string, role: string) =>
    (
      await call('mutation($i: RegisterInput!) { register(input: $i) { token } }', {
        i: { email, password: 'password-123', name: 'Fuzz', role },
      })
    ).data!.register.token as string;
  tokens.organizer = await register('fuzz-org@example.com', 'ORGANIZER');
  tokens.fan = await register('fuzz-fan@example.com', 'FAN');
  ids.event = (
    await call(
      'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
      {
        i: {
          title: 'Fuzz fest',
          description: 'x',
          category: 'Music',
          venue: 'Hall',
          city: 'Riga',
          startsAt: '2031-06-01T20:00:00Z',
        },
      },
      tokens.organizer,
    )
  ).data!.createEvent.id;
  ids.tier = (
    await call(
      'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
      { e: ids.event, t: { name: 'GA', priceCents: 1000, capacity: 50 } },
      tokens.organizer,
    )
  ).data!.addTicketTier.id;
  await call(
    'mutation($id: ID!) { publishEvent(id: $id) { id } }',
    { id: ids.event },
    tokens.organizer,
  );
  ids.hold = (
    await call(
      'mutation($i: ReserveInput!) { reserveTickets(input: $i) { id } }',
      { i: { tierId: ids.tier, quantity: 1 } },
      tokens.fan,
    )
  ).data!.reserveTickets.id;
  const order = await call(
    'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { tickets { code } } }',
    { i: { tierId: ids.tier, quantity: 1, idempotencyKey: 'fuzz-seed' } },
    tokens.fan,
  );
  ids.code = order.data!.purchaseTickets.tickets[0].code;
  ids.message = (
    await call(
      'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
      { e: ids.event, b: 'hello' },
      tokens.fan,
    )
  ).data!.postMessage.id;
}, 120_000);

afterAll(() => stack?.stop({ dropDatabases: true }));

/** Anything a client might put in a variable: right and wrong types, edge values, real ids. */
const anything = () =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '<script>alert(1)</script>',
      "'; DROP TABLE users; --",
      'x'.repeat(5_000),
      '2031-01-01T00:00:00Z',
      'not-a-date',
    ),
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1.5, Number.NaN),
    fc.boolean(),
    fc.constant(null),
    fc.uuid(),
    fc
      .constantFrom(
        () => ids.event,
        () => ids.tier,
        () => ids.hold,
        () => ids.message,
        () => ids.code,
      )
      .map((f) => f()),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  );

const objectOf = (keys: string[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, anything()])), { requiredKeys: [] });

const MUTATIONS: Array<[string, string, fc.Arbitrary<Record<string, unknown>>]> = [
  [
    'register',
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    fc.record({ i: objectOf(['email', 'password', 'name', 'role']) }),
  ],
  [
    'login',
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    fc.record({ e: anything(), p: anything() }),
  ],
  [
    'createEvent',
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    fc.record({ i: objectOf(['title', 'description', 'category', 'venue', 'city', 'startsAt']) }),
  ],
  [
    'updateEvent',
    'mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { id } }',
    fc.record({ id: anything(), i: objectOf(['title', 'city', 'startsAt']) }),
  ],
  [
    'publishEvent',
    'mutation($id: ID!) { publishEvent(id: $id) { id } }',
    fc.record({ id: anything() }),
  ],
  [
    'cancelEvent',
    'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
    fc.record({ id: anything() }),
  ],
  [
    'addTicketTier',
    'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
    fc.record({ e: anything(), t: objectOf(['name', 'priceCents', 'capacity']) }),
  ],
  [
    'reserveTickets',
    'mutation($i: ReserveInput!) { reserveTickets(input: $i) { id } }',
    fc.record({ i: objectOf(['tierId', 'quantity']) }),
  ],
  [
    'checkout',
    'mutation($h: ID!, $k: String!) { checkout(holdId: $h, idempotencyKey: $k) { id } }',
    fc.record({ h: anything(), k: anything() }),
  ],
  [
    'purchaseTickets',
    'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
    fc.record({ i: objectOf(['tierId', 'quantity', 'idempotencyKey']) }),
  ],
  [
    'checkInTicket',
    'mutation($c: String!) { checkInTicket(code: $c) { id } }',
    fc.record({ c: anything() }),
  ],
  [
    'postMessage',
    'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
    fc.record({ e: anything(), b: anything() }),
  ],
  [
    'postAnnouncement',
    'mutation($e: ID!, $b: String!) { postAnnouncement(eventId: $e, body: $b) { id } }',
    fc.record({ e: anything(), b: anything() }),
  ],
  ['deleteMessage', 'mutation($id: ID!) { deleteMessage(id: $id) }', fc.record({ id: anything() })],
];

/** Every list's size argument (and cursor), as any client could send them. */
const LIST_QUERIES: Array<[string, string, fc.Arbitrary<Record<string, unknown>>]> = [
  [
    'events',
    'query($n: Int, $a: String) { events(first: $n, after: $a) { edges { node { id } } } }',
    fc.record({ n: anything(), a: anything() }),
  ],
  [
    'organizedEvents',
    'query($n: Int, $m: Int) { me { organizedEvents(first: $n) { id organizer { organizedEvents(first: $m) { id } } } } }',
    fc.record({ n: anything(), m: anything() }),
  ],
  [
    'tickets and orders',
    'query($n: Int, $m: Int) { me { tickets(first: $n) { id } orders(first: $m) { id quantity tickets { id } } } }',
    fc.record({ n: anything(), m: anything() }),
  ],
  [
    'messages and announcements',
    'query($e: ID!, $n: Int, $b: String, $m: Int) { event(id: $e) { messages(first: $n, before: $b) { edges { node { id } } } announcements(first: $m) { id } } }',
    fc.record({ e: anything(), n: anything(), b: anything(), m: anything() }),
  ],
];

describe.each([...MUTATIONS, ...LIST_QUERIES])(
  '%s with hostile input',
  (_name, mutation, variables) => {
    it.each(['anonymous', 'fan', 'organizer'] as const)(
      'answers %s callers with typed errors only',
      async (who) => {
        const token = who === 'anonymous' ? undefined : tokens[who];
        await fc.assert(
          fc.asyncProperty(variables, async (vars) => {
            const result = await call(mutation, vars, token);
            if (result.status >= 500)
              throw new Error(
                `HTTP ${result.status} for ${JSON.stringify(vars).slice(0, 300)}: ${JSON.stringify(result.errors)}`,
              );
            for (const error of result.errors ?? []) {
              const code = error.extensions?.code;
              if (!code || !ALLOWED_CODES.has(code)) {
                throw new Error(
                  `untyped or internal error ${code} for ${JSON.stringify(vars).slice(0, 300)}: ${error.message}`,
                );
              }
            }
          }),
          { numRuns: RUNS },
        );
      },
    );
  },
);

describe('after the storm', () => {
  const query = async (database: string, sql: string) => {
    const client = new Client({ connectionString: database });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it('keeps the inventory consistent: no negative availability, no ticket without its order, no orphan hold', async () => {
    const db = stack.databaseUrls.tickets!;
    expect(
      await query(
        db,
        'SELECT id FROM ticket_tiers WHERE sold < 0 OR held < 0 OR sold + held > capacity',
      ),
    ).toEqual([]);
    expect(
      await query(
        db,
        `SELECT t.id FROM ticket_tiers t WHERE t.held <> (SELECT coalesce(sum(quantity), 0) FROM holds h WHERE h.tier_id = t.id AND h.status = 'ACTIVE')`,
      ),
    ).toEqual([]);
    expect(
      await query(
        db,
        'SELECT t.id FROM ticket_tiers t WHERE t.sold <> (SELECT count(*) FROM tickets k WHERE k.tier_id = t.id)',
      ),
    ).toEqual([]);
    expect(
      await query(
        db,
        'SELECT o.id FROM orders o WHERE o.quantity <> (SELECT count(*) FROM tickets k WHERE k.order_id = o.id)',
      ),
    ).toEqual([]);
    expect(
      await query(
        db,
        'SELECT k.id FROM tickets k LEFT JOIN orders o ON o.id = k.order_id WHERE o.id IS NULL',
      ),
    ).toEqual([]);
    expect(
      await query(
        db,
        'SELECT h.id FROM holds h LEFT JOIN ticket_tiers t ON t.id = h.tier_id WHERE t.id IS NULL',
      ),
    ).toEqual([]);
  });

  it('keeps accounts, events and messages well-formed', async () => {
    expect(
      await query(
        stack.databaseUrls.users!,
        'SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1',
      ),
    ).toEqual([]);
    expect(
      await query(
        stack.databaseUrls.events!,
        `SELECT id FROM events WHERE char_length(title) NOT BETWEEN 3 AND 120 OR char_length(btrim(city)) < 2`,
      ),
    ).toEqual([]);
    expect(
      await query(
        stack.databaseUrls.chat!,
        'SELECT id FROM chat_messages WHERE char_length(btrim(body)) = 0 OR char_length(body) > 2000',
      ),
    ).toEqual([]);
  });
});
