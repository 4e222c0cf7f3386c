import { Client as Pg } from 'pg';
import {
  errorCodes,
  eventually,
  graphql,
  inDays,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

// deleteEvent through the router: a draft goes (with its tiers in the tickets service), a
// published or cancelled event stays, and only its organizer may delete it.
let stack: Stack;
let client: RouterClient;
let tickets: Pg;
let organizer: string;
let otherOrganizer: string;
let fan: string;

const DELETE = 'mutation Delete($id: ID!) { deleteEvent(id: $id) }';
const EVENT = 'query Event($id: ID!) { event(id: $id) { id status } }';

/** A draft with one tier; published or cancelled when asked. */
async function event(token: string, status: 'DRAFT' | 'ON_SALE' | 'CANCELLED' = 'DRAFT') {
  const { id, tiers } = await client.event(
    token,
    [{ name: 'Standing', priceCents: 2500, capacity: 100 }],
    {
      title: 'Draft to delete',
      description: 'Maybe.',
      venue: 'The Hall',
      city: 'Porto',
      startsAt: inDays(30),
      publish: status !== 'DRAFT',
      ...(status === 'CANCELLED' ? { status } : {}),
    },
  );
  return { id, tierId: tiers[0]!.id };
}

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'router'],
  });
  client = new RouterClient(stack.routerUrl);
  tickets = new Pg({ connectionString: stack.databaseUrls.tickets });
  await tickets.connect();
  [organizer, otherOrganizer, fan] = await Promise.all([
    client.account('ORGANIZER', 'Organizer One'),
    client.account('ORGANIZER', 'Organizer Two'),
    client.account('FAN', 'Fan One'),
  ]).then((accounts) => accounts.map((a) => a.token));
});

afterAll(async () => {
  await tickets?.end();
  await stack?.stop({ dropDatabases: true });
});

describe('deleteEvent', () => {
  it('deletes a draft, and the tickets service drops its tiers', async () => {
    const { id, tierId } = await event(organizer);
    expect((await client.ok(DELETE, { id }, organizer)).deleteEvent).toBe(true);
    expect((await client.ok(EVENT, { id }, organizer)).event).toBeNull();
    const tierRows = await eventually(
      'the draft’s tiers dropped',
      async () =>
        (await tickets.query('SELECT id FROM ticket_tiers WHERE id = $1', [tierId])).rowCount,
      (count) => count === 0,
    );
    expect(tierRows).toBe(0);
    // Gone for good: a second delete finds nothing.
    expect(errorCodes(await graphql(stack.routerUrl, DELETE, { id }, organizer))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('refuses a published or a cancelled event with CONFLICT, and keeps it', async () => {
    for (const status of ['ON_SALE', 'CANCELLED'] as const) {
      const { id, tierId } = await event(organizer, status);
      const refused = await graphql(stack.routerUrl, DELETE, { id }, organizer);
      expect(errorCodes(refused)).toEqual(['CONFLICT']);
      expect(refused.errors![0]!.message).toMatch(/only a draft/i);
      expect((await client.ok(EVENT, { id }, organizer)).event).toEqual({ id, status });
      const { rowCount } = await tickets.query('SELECT id FROM ticket_tiers WHERE id = $1', [
        tierId,
      ]);
      expect(rowCount).toBe(1);
    }
  });

  it('lets only the event’s organizer delete it', async () => {
    const { id } = await event(organizer);
    expect(errorCodes(await graphql(stack.routerUrl, DELETE, { id }, otherOrganizer))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await graphql(stack.routerUrl, DELETE, { id }, fan))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(stack.routerUrl, DELETE, { id }))).toEqual(['UNAUTHENTICATED']);
    expect((await client.ok(EVENT, { id }, organizer)).event).toEqual({ id, status: 'DRAFT' });
  });
});
