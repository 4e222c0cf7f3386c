import { randomUUID } from 'node:crypto';
import { Client as Pg } from 'pg';
import {
  errorCodes,
  eventually,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

// deleteEvent through the router: a draft goes (with its tiers in the tickets service), a
// published or cancelled event stays, and only its organizer may delete it.
let stack: Stack;
let tickets: Pg;
let organizer: string;
let otherOrganizer: string;
let fan: string;

const DELETE = 'mutation Delete($id: ID!) { deleteEvent(id: $id) }';
const EVENT = 'query Event($id: ID!) { event(id: $id) { id status } }';

async function account(role: 'FAN' | 'ORGANIZER'): Promise<string> {
  const result = await graphql(
    stack.gatewayUrl,
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    {
      i: {
        email: `${role.toLowerCase()}-${randomUUID()}@example.com`,
        password: 'password-123',
        name: `${role === 'FAN' ? 'Fan' : 'Organizer'} ${randomUUID().slice(0, 8)}`,
        role,
      },
    },
  );
  return result.data!.register.token;
}

async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const result = await graphql(stack.gatewayUrl, query, variables, token);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/** A draft with one tier; published or cancelled when asked. */
async function event(token: string, status: 'DRAFT' | 'ON_SALE' | 'CANCELLED' = 'DRAFT') {
  const created = await ok(
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: 'Draft to delete',
        description: 'Maybe.',
        category: 'Music',
        venue: 'The Hall',
        city: 'Porto',
        startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    },
    token,
  );
  const id = created.createEvent.id as string;
  const tier = await ok(
    'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
    { e: id, i: { name: 'Standing', priceCents: 2500, capacity: 100 } },
    token,
  );
  if (status !== 'DRAFT')
    await ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, token);
  if (status === 'CANCELLED')
    await ok('mutation($id: ID!) { cancelEvent(id: $id) { id } }', { id }, token);
  return { id, tierId: tier.addTicketTier.id as string };
}

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'gateway'],
  });
  tickets = new Pg({ connectionString: stack.databaseUrls.tickets });
  await tickets.connect();
  [organizer, otherOrganizer, fan] = await Promise.all([
    account('ORGANIZER'),
    account('ORGANIZER'),
    account('FAN'),
  ]);
});

afterAll(async () => {
  await tickets?.end();
  await stack?.stop({ dropDatabases: true });
});

describe('deleteEvent', () => {
  it('deletes a draft, and the tickets service drops its tiers', async () => {
    const { id, tierId } = await event(organizer);
    expect((await ok(DELETE, { id }, organizer)).deleteEvent).toBe(true);
    expect((await ok(EVENT, { id }, organizer)).event).toBeNull();
    const tierRows = await eventually(
      'the draft’s tiers dropped',
      async () =>
        (await tickets.query('SELECT id FROM ticket_tiers WHERE id = $1', [tierId])).rowCount,
      (count) => count === 0,
    );
    expect(tierRows).toBe(0);
    // Gone for good: a second delete finds nothing.
    expect(errorCodes(await graphql(stack.gatewayUrl, DELETE, { id }, organizer))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('refuses a published or a cancelled event with CONFLICT, and keeps it', async () => {
    for (const status of ['ON_SALE', 'CANCELLED'] as const) {
      const { id, tierId } = await event(organizer, status);
      const refused = await graphql(stack.gatewayUrl, DELETE, { id }, organizer);
      expect(errorCodes(refused)).toEqual(['CONFLICT']);
      expect(refused.errors![0]!.message).toMatch(/only a draft/i);
      expect((await ok(EVENT, { id }, organizer)).event).toEqual({ id, status });
      const { rowCount } = await tickets.query('SELECT id FROM ticket_tiers WHERE id = $1', [
        tierId,
      ]);
      expect(rowCount).toBe(1);
    }
  });

  it('lets only the event’s organizer delete it', async () => {
    const { id } = await event(organizer);
    expect(errorCodes(await graphql(stack.gatewayUrl, DELETE, { id }, otherOrganizer))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await graphql(stack.gatewayUrl, DELETE, { id }, fan))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(stack.gatewayUrl, DELETE, { id }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect((await ok(EVENT, { id }, organizer)).event).toEqual({ id, status: 'DRAFT' });
  });
});
