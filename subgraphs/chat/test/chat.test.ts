import { Client } from 'pg';
import {
  errorCodes,
  graphql,
  inDays,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const POST = `mutation Post($eventId: ID!, $body: String!) {
  postMessage(eventId: $eventId, body: $body) { id body kind createdAt author { id name } event { id title } }
}`;
const ANNOUNCE = `mutation Announce($eventId: ID!, $body: String!) {
  postAnnouncement(eventId: $eventId, body: $body) { id body kind author { id name } }
}`;
const DELETE = 'mutation Delete($id: ID!) { deleteMessage(id: $id) }';
const HISTORY = `query History($id: ID!, $first: Int, $before: String) {
  event(id: $id) {
    messages(first: $first, before: $before) {
      edges { cursor node { id body kind author { id name } } }
      pageInfo { hasNextPage endCursor }
    }
    announcements { id body }
  }
}`;

let stack: Stack;
let url: string;
let client: RouterClient;
let db: Client;
let organizer: { token: string; id: string };
let otherOrganizer: { token: string; id: string };
let fan: { token: string; id: string };
let otherFan: { token: string; id: string };
let eventId: string;

const createEvent = async (token: string, publish = true) =>
  (
    await client.event(token, [], {
      title: 'Chat night',
      description: 'Talk',
      venue: 'Hall',
      city: 'Porto',
      startsAt: inDays(20),
      publish,
    })
  ).id;

const post = (token: string | undefined, body: string, event = eventId) =>
  graphql(url, POST, { eventId: event, body }, token);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'chat', 'router'],
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  db = new Client({ connectionString: stack.databaseUrls.chat });
  await db.connect();
  [organizer, otherOrganizer, fan, otherFan] = await Promise.all([
    client.account('ORGANIZER', 'Olga Organizer'),
    client.account('ORGANIZER', 'Otto Other'),
    client.account('FAN', 'Fiona Fan'),
    client.account('FAN', 'Felix Fan'),
  ]);
  eventId = await createEvent(organizer.token);
});

afterAll(async () => {
  await db?.end();
  await stack?.stop({ dropDatabases: true });
});

describe('posting', () => {
  it('stores a message as written (trimmed), with its author resolved through federation', async () => {
    const body = '  <b>Hello</b> & welcome 👋 ';
    const result = await post(fan.token, body);
    expect(result.errors).toBeUndefined();
    const message = result.data!.postMessage;
    expect(message).toMatchObject({
      body: '<b>Hello</b> & welcome 👋',
      kind: 'MESSAGE',
      author: { id: fan.id, name: 'Fiona Fan' },
      event: { id: eventId, title: 'Chat night' },
    });
    expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt);
    const { rows } = await db.query('SELECT body, author_name FROM chat_messages WHERE id = $1', [
      message.id,
    ]);
    expect(rows).toEqual([{ body: '<b>Hello</b> & welcome 👋', author_name: 'Fiona Fan' }]);
  });

  it('writes every stored message to the outbox for chat.messages, keyed by the event', async () => {
    const { id } = (await post(otherFan.token, 'outbox check')).data!.postMessage;
    const { rows } = await db.query(
      `SELECT topic, message_key, envelope FROM outbox WHERE envelope->'data'->>'id' = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ topic: 'chat.messages', message_key: eventId });
    expect(rows[0].envelope).toMatchObject({
      type: 'chat.message.posted',
      data: {
        id,
        eventId,
        body: 'outbox check',
        kind: 'MESSAGE',
        authorId: otherFan.id,
        authorName: 'Felix Fan',
      },
    });
  });

  it('refuses anonymous posting with UNAUTHENTICATED and stores nothing', async () => {
    const result = await post(undefined, 'anonymous hello');
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM chat_messages WHERE body = 'anonymous hello'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it.each([
    ['an empty body', ''],
    ['a body of spaces', '   \n\t '],
    ['a body over 2,000 characters', 'x'.repeat(2_001)],
    ['a NUL character', 'a\u0000b'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, body) => {
    const result = await post(fan.token, body);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions).toMatchObject({ field: 'body' });
  });

  it('accepts exactly 2,000 characters, counting an emoji once', async () => {
    const result = await post(otherFan.token, '🎉'.repeat(2_000));
    expect(result.errors).toBeUndefined();
    expect([...result.data!.postMessage.body]).toHaveLength(2_000);
  });

  it('refuses unknown, cancelled and draft events', async () => {
    const unknown = await post(fan.token, 'hi', '00000000-0000-4000-8000-000000000000');
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await post(fan.token, 'hi', 'not-an-id');
    expect(errorCodes(malformed)).toEqual(['NOT_FOUND']);

    const draft = await createEvent(organizer.token, false);
    expect(errorCodes(await post(fan.token, 'hi', draft))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await post(organizer.token, 'hi', draft))).toEqual(['CONFLICT']);

    const cancelled = await createEvent(organizer.token);
    await graphql(
      url,
      'mutation($id: ID!) { cancelEvent(id: $id) { status } }',
      { id: cancelled },
      organizer.token,
    );
    const result = await post(fan.token, 'hi', cancelled);
    expect(errorCodes(result)).toEqual(['CONFLICT']);
    expect(result.errors![0].message).toMatch(/cancelled/);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM chat_messages WHERE event_id = ANY($1)',
      [[draft, cancelled]],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('announcements', () => {
  it("lets the event's organizer announce, and refuses fans and other organizers with FORBIDDEN", async () => {
    const byFan = await graphql(
      url,
      ANNOUNCE,
      { eventId, body: 'I am not the organizer' },
      fan.token,
    );
    expect(errorCodes(byFan)).toEqual(['FORBIDDEN']);
    const byOther = await graphql(
      url,
      ANNOUNCE,
      { eventId, body: 'Neither am I' },
      otherOrganizer.token,
    );
    expect(errorCodes(byOther)).toEqual(['FORBIDDEN']);
    const anonymous = await graphql(url, ANNOUNCE, { eventId, body: 'Nobody' });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);

    const result = await graphql(
      url,
      ANNOUNCE,
      { eventId, body: 'Doors open at 19:00' },
      organizer.token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.postAnnouncement).toMatchObject({
      kind: 'ANNOUNCEMENT',
      author: { id: organizer.id, name: 'Olga Organizer' },
    });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM chat_messages WHERE kind = 'ANNOUNCEMENT'`,
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('history', () => {
  it('lists messages newest first with cursor pagination, and announcements apart', async () => {
    const room = await createEvent(organizer.token);
    const posted: string[] = [];
    for (let i = 1; i <= 5; i++)
      posted.push((await post(fan.token, `message ${i}`, room)).data!.postMessage.id);
    const announcement = await graphql(
      url,
      ANNOUNCE,
      { eventId: room, body: 'Announcement' },
      organizer.token,
    );
    posted.push(announcement.data!.postAnnouncement.id);

    const first = await graphql(url, HISTORY, { id: room, first: 4 }, fan.token);
    expect(first.errors).toBeUndefined();
    const page1 = first.data!.event.messages;
    expect(page1.edges.map((e: { node: { body: string } }) => e.node.body)).toEqual([
      'Announcement',
      'message 5',
      'message 4',
      'message 3',
    ]);
    expect(page1.edges[1].node.author).toEqual({ id: fan.id, name: 'Fiona Fan' });
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(first.data!.event.announcements).toEqual([{ id: posted[5], body: 'Announcement' }]);

    const second = await graphql(url, HISTORY, {
      id: room,
      first: 4,
      before: page1.pageInfo.endCursor,
    });
    const page2 = second.data!.event.messages;
    expect(page2.edges.map((e: { node: { body: string } }) => e.node.body)).toEqual([
      'message 2',
      'message 1',
    ]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    expect(errorCodes(await graphql(url, HISTORY, { id: room, first: 101 }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      errorCodes(await graphql(url, HISTORY, { id: room, first: 2, before: 'bogus' })),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('deleting', () => {
  it('lets the author and the organizer delete, nobody else; deleted messages disappear', async () => {
    const room = await createEvent(organizer.token);
    const mine = (await post(fan.token, 'delete me', room)).data!.postMessage.id;
    const theirs = (await post(otherFan.token, 'moderate me', room)).data!.postMessage.id;

    expect(errorCodes(await graphql(url, DELETE, { id: mine }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(url, DELETE, { id: mine }, otherFan.token))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await graphql(url, DELETE, { id: mine }, otherOrganizer.token))).toEqual([
      'FORBIDDEN',
    ]);

    const byAuthor = await graphql(url, DELETE, { id: mine }, fan.token);
    expect(byAuthor.data!.deleteMessage).toBe(mine);
    const byOrganizer = await graphql(url, DELETE, { id: theirs }, organizer.token);
    expect(byOrganizer.data!.deleteMessage).toBe(theirs);
    expect(errorCodes(await graphql(url, DELETE, { id: mine }, fan.token))).toEqual(['NOT_FOUND']);

    const history = await graphql(url, HISTORY, { id: room, first: 10 });
    expect(history.data!.event.messages.edges).toEqual([]);
    const { rows } = await db.query(
      `SELECT envelope->'data'->>'id' AS id FROM outbox WHERE envelope->>'type' = 'chat.message.deleted' ORDER BY seq`,
    );
    expect(rows.map((r) => r.id)).toEqual([mine, theirs]);
  });
});

describe('rate limit', () => {
  it('allows 10 messages per 10 seconds per user and event, then says when to retry', async () => {
    const room = await createEvent(organizer.token);
    const results = [];
    for (let i = 1; i <= 12; i++) results.push(await post(fan.token, `burst ${i}`, room));
    expect(results.slice(0, 10).every((r) => r.errors === undefined)).toBe(true);
    for (const refused of results.slice(10)) {
      expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
      const retryAfter = refused.errors![0].extensions!.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(10);
      expect(refused.errors![0].message).toContain(`try again in ${retryAfter} second`);
    }
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM chat_messages WHERE event_id = $1',
      [room],
    );
    expect(rows[0].n).toBe(10);
    // The limit is per user: another fan still posts on the same event.
    expect((await post(otherFan.token, 'not me', room)).errors).toBeUndefined();
  });
});
