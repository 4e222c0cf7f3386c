import { Client as Pg } from 'pg';
import {
  errorCodes,
  graphql,
  inDays,
  RouterClient,
  startStack,
  testInfrastructure,
  type GraphQLResult,
  type Stack,
} from '@ko/platform/testing';

let stack: Stack;
let url: string;
let client: RouterClient;
let organizer: string;
let otherOrganizer: string;
let fan: string;

const CREATE = `mutation Create($input: CreateEventInput!) {
  createEvent(input: $input) { id title status startsAt organizer { id name } }
}`;
const PUBLISH = 'mutation Publish($id: ID!) { publishEvent(id: $id) { id status } }';
const EVENTS = `query Events($filter: EventFilter, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title city category startsAt status organizer { name } } }
  }
}`;

const details = (overrides: Record<string, unknown> = {}) => ({
  title: 'Jazz by the River',
  description: 'An evening of jazz standards under the stars.',
  category: 'Music',
  venue: 'Riverside Stage',
  city: 'Lisbon',
  startsAt: inDays(30),
  ...overrides,
});

/** A published event of `token`'s organizer, with this suite's details. */
const publishedEvent = async (token: string, overrides: Record<string, unknown> = {}) =>
  (await client.event(token, [], details(overrides))).id;

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  url = stack.routerUrl;
  client = new RouterClient(url);
  [organizer, otherOrganizer, fan] = await Promise.all([
    client.account('ORGANIZER', 'Olga Organizer'),
    client.account('ORGANIZER', 'Otto Other'),
    client.account('FAN', 'Someone'),
  ]).then((accounts) => accounts.map((a) => a.token));
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('organizer mutations', () => {
  it('creates a draft that only its organizer sees, then publishes it into the listing', async () => {
    const created = await graphql(
      url,
      CREATE,
      { input: details({ title: 'Draft to publish' }) },
      organizer,
    );
    const event = created.data!.createEvent;
    expect(event).toMatchObject({
      title: 'Draft to publish',
      status: 'DRAFT',
      organizer: { name: 'Olga Organizer' },
    });

    const byFan = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { id } }',
      { id: event.id },
      fan,
    );
    expect(byFan.data!.event).toBeNull();
    const listedBefore = await graphql(url, EVENTS, { filter: { search: 'publish' } });
    expect(
      listedBefore.data!.events.edges.map((e: { node: { id: string } }) => e.node.id),
    ).not.toContain(event.id);

    await graphql(url, PUBLISH, { id: event.id }, organizer);
    const listedAfter = await graphql(url, EVENTS, { filter: { search: 'publish' } });
    expect(
      listedAfter.data!.events.edges.map((e: { node: { id: string } }) => e.node.id),
    ).toContain(event.id);
  });

  it('lets only the event organizer update, publish and cancel', async () => {
    const id = await publishedEvent(organizer, { title: 'Guarded event' });
    const asOther = await graphql(
      url,
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id },
      otherOrganizer,
    );
    expect(errorCodes(asOther)).toEqual(['FORBIDDEN']);
    const asFan = await graphql(
      url,
      'mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { id } }',
      { id, i: { title: 'Hijacked' } },
      fan,
    );
    expect(errorCodes(asFan)).toEqual(['FORBIDDEN']);
    const anonymous = await graphql(url, 'mutation($id: ID!) { cancelEvent(id: $id) { id } }', {
      id,
    });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const asFanCreate = await graphql(url, CREATE, { input: details() }, fan);
    expect(errorCodes(asFanCreate)).toEqual(['FORBIDDEN']);

    const updated = await graphql(
      url,
      'mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { title city } }',
      { id, i: { title: 'Guarded event, moved', city: 'Porto' } },
      organizer,
    );
    expect(updated.data!.updateEvent).toEqual({ title: 'Guarded event, moved', city: 'Porto' });
    const cancelled = await graphql(
      url,
      'mutation($id: ID!) { cancelEvent(id: $id) { status } }',
      { id },
      organizer,
    );
    expect(cancelled.data!.cancelEvent.status).toBe('CANCELLED');
    const again = await graphql(
      url,
      'mutation($id: ID!) { cancelEvent(id: $id) { status } }',
      { id },
      organizer,
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const republish = await graphql(url, PUBLISH, { id }, organizer);
    expect(errorCodes(republish)).toEqual(['CONFLICT']);
  });

  it('records a published event’s new start or venue as an event.rescheduled fact, a draft’s not', async () => {
    const UPDATE =
      'mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { id } }';
    const id = await publishedEvent(organizer, { title: 'Moving show' });
    const draft = (await graphql(url, CREATE, { input: details() }, organizer)).data!.createEvent
      .id as string;
    const newStart = inDays(45);
    for (const [event, input] of [
      [id, { description: 'Same place, same time.' }],
      [draft, { venue: 'Elsewhere Hall' }],
      [id, { venue: 'Harbour Hall', startsAt: newStart }],
    ] as const)
      expect(
        (await graphql(url, UPDATE, { id: event, i: input }, organizer)).errors,
      ).toBeUndefined();
    const db = new Pg({ connectionString: stack.databaseUrls.events });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT envelope FROM outbox
          WHERE envelope->>'type' = 'event.rescheduled' AND envelope->'data'->>'eventId' = ANY($1)
          ORDER BY seq`,
        [[id, draft]],
      );
      expect(rows.map((r) => r.envelope.data)).toEqual([
        expect.objectContaining({
          eventId: id,
          before: expect.objectContaining({ venue: 'Riverside Stage', city: 'Lisbon' }),
          after: expect.objectContaining({
            venue: 'Harbour Hall',
            startsAt: newStart,
            timeZone: 'UTC',
          }),
        }),
      ]);
    } finally {
      await db.end();
    }
  });

  it.each([
    ['a too-short title', { title: 'ab' }, 'title'],
    ['a start date in the past', { startsAt: '2020-01-01T10:00:00Z' }, 'startsAt'],
    ['an empty city', { city: ' ' }, 'city'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, overrides, field) => {
    const result = await graphql(url, CREATE, { input: details(overrides) }, organizer);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions).toMatchObject({ field });
  });

  it('refuses a malformed DateTime with BAD_USER_INPUT', async () => {
    const result = await graphql(
      url,
      CREATE,
      { input: details({ startsAt: 'next tuesday' }) },
      organizer,
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers NOT_FOUND for an unknown event', async () => {
    const result = await graphql(
      url,
      PUBLISH,
      { id: '00000000-0000-4000-8000-000000000000' },
      organizer,
    );
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });
});

describe('browsing', () => {
  const ids: string[] = [];

  beforeAll(async () => {
    const cities = ['Berlin', 'Berlin', 'Vienna', 'Vienna', 'Vienna'];
    for (const [i, city] of cities.entries()) {
      ids.push(
        await publishedEvent(organizer, {
          title: i % 2 ? `Symphony night ${i}` : `Comedy club ${i}`,
          category: i % 2 ? 'Classical' : 'Comedy',
          city,
          venue: `Browse Hall ${i}`,
          startsAt: inDays(100 + i),
        }),
      );
    }
  });

  it('pages through results with cursors, soonest first, with a stable totalCount', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result: GraphQLResult = await graphql(url, EVENTS, {
        filter: { search: 'Browse Hall' },
        first: 2,
        after,
      });
      const page = result.data!.events;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by city, category and date range, case-insensitively', async () => {
    const vienna = await graphql(url, EVENTS, { filter: { city: 'vienna', search: 'Browse' } });
    expect(vienna.data!.events.totalCount).toBe(3);
    const classical = await graphql(url, EVENTS, {
      filter: { category: 'CLASSICAL', search: 'Browse' },
    });
    expect(
      classical.data!.events.edges.every(
        (e: { node: { category: string } }) => e.node.category === 'Classical',
      ),
    ).toBe(true);
    expect(classical.data!.events.totalCount).toBe(2);
    const window = await graphql(url, EVENTS, {
      filter: { search: 'Browse', from: inDays(101.5), to: inDays(103.5) },
    });
    expect(window.data!.events.totalCount).toBe(2);
  });

  it('searches title, description, venue and city with stemming', async () => {
    const result = await graphql(url, EVENTS, { filter: { search: 'symphonies' } });
    const titles = result.data!.events.edges.map((e: { node: { title: string } }) => e.node.title);
    expect(titles).toEqual(['Symphony night 1', 'Symphony night 3']);
  });

  it.each([0, 101, -1])('bounds the page size (first: %i)', async (first) => {
    const result = await graphql(url, EVENTS, { first });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a cursor it did not issue', async () => {
    const result = await graphql(url, EVENTS, { after: 'bm90LWEtY3Vyc29y' });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });
});
