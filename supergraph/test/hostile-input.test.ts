import fc from 'fast-check';
import { Client } from 'pg';
import {
  graphql,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import {
  ALLOWED_CODES,
  KNOWN,
  LIST_QUERIES,
  MUTATIONS,
  ids,
  tokens,
} from './hostile-input-catalogue';

/**
 * Random and malformed input at every mutation, through the router, as any client could send
 * it. Whatever arrives, the answer is a typed GraphQL error (never a 500, never an internal
 * error), and the databases' invariants hold afterwards.
 */

const RUNS = 30;

let stack: Stack;
let url: string;
const call = (query: string, variables: Record<string, unknown>, token?: string) =>
  graphql(url, query, variables, token);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'chat', 'lambda-runner', 'router'],
    serviceEnv: { users: { LOGIN_ATTEMPTS_PER_ADDRESS: '100000' } },
  });
  url = stack.routerUrl;
  const client = new RouterClient(url);
  tokens.organizer = (await client.account('ORGANIZER', 'Fuzz')).token;
  tokens.fan = (await client.account('FAN', 'Fuzz')).token;
  const event = await client.event(
    tokens.organizer,
    [{ name: 'GA', priceCents: 1000, capacity: 50 }],
    {
      title: 'Fuzz fest',
      description: 'x',
      venue: 'Hall',
      city: 'Riga',
      startsAt: '2031-06-01T20:00:00Z',
    },
  );
  ids.event = event.id;
  ids.tier = event.tiers[0]!.id;
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

describe('known hostile inputs', () => {
  it.each(KNOWN)('refuses %s with BAD_USER_INPUT', async (_label, operation, variables, who) => {
    const result = await call(operation, variables(), who ? tokens[who] : undefined);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('treats an explicit null sales-report bucket as the default', async () => {
    const result = await call(
      'query($id: ID!, $b: SalesBucket) { event(id: $id) { salesReport(bucket: $b) { ticketsSold } } }',
      { id: ids.event, b: null },
      tokens.organizer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.event.salesReport.ticketsSold).toBeGreaterThanOrEqual(1);
  });
});

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
        stack.databaseUrls.users!,
        `SELECT name_key FROM users WHERE role = 'ORGANIZER' AND name_key IS NOT NULL
         GROUP BY name_key HAVING count(*) > 1`,
      ),
    ).toEqual([]);
    // No stored text holds a control character (but tab and newlines) or a direction override.
    const unsafe = `~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]'`;
    expect(
      await query(
        stack.databaseUrls.users!,
        `SELECT id FROM users WHERE name ${unsafe} OR name_key = ''`,
      ),
    ).toEqual([]);
    expect(
      await query(
        stack.databaseUrls.events!,
        `SELECT id FROM events WHERE title ${unsafe} OR venue ${unsafe} OR city ${unsafe} OR description ${unsafe}`,
      ),
    ).toEqual([]);
    expect(
      await query(stack.databaseUrls.chat!, `SELECT id FROM chat_messages WHERE body ${unsafe}`),
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
