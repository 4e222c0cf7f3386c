import { randomUUID } from 'node:crypto';
import { errorCodes, graphql } from '@ko/platform/testing';
import { connect, follow, subscriptionsActive } from './live-client';
import {
  MESSAGE_POSTED,
  TICKETS_SOLD,
  POST,
  ANNOUNCE,
  ADD_TIER,
  PURCHASE,
  type Account,
  type Message,
  url,
  routerWs,
  instances,
  organizer,
  otherOrganizer,
  fans,
  eventA,
  eventB,
  clients,
  post,
  open,
  live,
  setUpLiveWorld,
} from './live-world';

// Who may follow what over the router's WebSocket, and what a bad token or document gets.
setUpLiveWorld();

describe('auth', () => {
  it('closes a connection with a bad token with 4401 and a reason', async () => {
    const forged = `${organizer.token.slice(0, -4)}AAAA`;
    const live = connect(routerWs, forged);
    clients.push(live);
    expect(await live.closed).toEqual({
      code: 4401,
      reason: 'The token is invalid; sign in again.',
    });

    const unprefixed = connect(routerWs, undefined, organizer.token);
    clients.push(unprefixed);
    const closed = await unprefixed.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('Bearer');
  });

  it('lets anyone follow a chat, but a missing token closes a ticketsSold subscription with 4401', async () => {
    const anonymous = open(routerWs);
    const chat = follow<Message>(anonymous, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    await subscriptionsActive(instances, 1);
    const id = await post(fans[0], eventA, 'Hello, lurkers');
    expect((await chat.waitFor(1)).map((m) => m.id)).toEqual([id]);

    follow(anonymous, TICKETS_SOLD, { eventId: eventA }, 'ticketsSold');
    const closed = await anonymous.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/Sign in to follow ticket sales/);
  });

  it("refuses a fan's and another organizer's ticketsSold with FORBIDDEN, and an unknown event with NOT_FOUND", async () => {
    const byFan = follow(open(routerWs, fans[0]), TICKETS_SOLD, { eventId: eventA }, 'ticketsSold');
    const byOther = follow(
      open(routerWs, otherOrganizer),
      TICKETS_SOLD,
      { eventId: eventA },
      'ticketsSold',
    );
    const unknown = follow(
      open(routerWs, organizer),
      TICKETS_SOLD,
      { eventId: randomUUID() },
      'ticketsSold',
    );
    await Promise.all([byFan.settled(), byOther.settled(), unknown.settled()]);
    expect(byFan.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(byFan.errors[0].message).toMatch(/organizer/);
    expect(byOther.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect([byFan, byOther, unknown].every((f) => f.items.length === 0)).toBe(true);
    expect(await live()).toBe(0);
  });

  it('refuses an operation that selects too many fields (the router cannot limit WebSocket operations)', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `f${i}: id`).join(' ');
    const greedy = follow(
      open(routerWs),
      `subscription($eventId: ID!) { messagePosted(eventId: $eventId) { ${aliases} } }`,
      { eventId: eventA },
      'messagePosted',
    );
    await greedy.settled();
    expect(greedy.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await live()).toBe(0);
  });

  it('refuses a document that does not parse or validate with the codes HTTP gives, and keeps the connection', async () => {
    const live = open(routerWs);
    const broken = follow(live, 'subscription { messagePosted(eventId: ', {}, 'messagePosted');
    const unknown = follow(
      live,
      'subscription($eventId: ID!) { messagePosted(eventId: $eventId) { id mood } }',
      { eventId: eventA },
      'messagePosted',
    );
    await Promise.all([broken.settled(), unknown.settled()]);
    expect(broken.errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(unknown.errors[0].message).toMatch(/mood/);
    // The same connection still subscribes and receives.
    const chat = follow<{ body: string }>(
      live,
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    await post(fans[0], eventA, 'after the broken ones');
    await chat.waitFor(1);
    expect(chat.items[0].body).toBe('after the broken ones');
    chat.unsubscribe();
  });

  it('refuses anonymous postMessage and a fan’s postAnnouncement', async () => {
    expect(errorCodes(await graphql(url, POST, { eventId: eventA, body: 'anonymous' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      errorCodes(
        await graphql(url, ANNOUNCE, { eventId: eventA, body: 'fake news' }, fans[0].token),
      ),
    ).toEqual(['FORBIDDEN']);
  });

  it('sends the organizer ticketsSold updates when tickets of their event are bought, and only of that event', async () => {
    const sales = follow<Record<string, unknown>>(
      open(routerWs, organizer),
      TICKETS_SOLD,
      { eventId: eventA },
      'ticketsSold',
    );
    await subscriptionsActive(instances, 1);

    const addTier = (eventId: string) =>
      graphql(
        url,
        ADD_TIER,
        { eventId, input: { name: 'General admission', priceCents: 2_500, capacity: 100 } },
        organizer.token,
      );
    const tierA = (await addTier(eventA)).data!.addTicketTier.id as string;
    const tierB = (await addTier(eventB)).data!.addTicketTier.id as string;
    const buy = async (by: Account, tierId: string, quantity: number) => {
      const result = await graphql(
        url,
        PURCHASE,
        { input: { tierId, quantity, idempotencyKey: randomUUID() } },
        by.token,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.purchaseTickets as { id: string; createdAt: string };
    };
    const first = await buy(fans[0], tierA, 2);
    await buy(fans[1], tierB, 1); // another event's sale: not for this subscription
    const second = await buy(fans[2], tierA, 3);

    await sales.waitFor(2);
    const update = (order: { id: string; createdAt: string }, quantity: number, sold: number) => ({
      eventId: eventA,
      tierId: tierA,
      tierName: 'General admission',
      orderId: order.id,
      quantity,
      sold,
      available: 100 - sold,
      capacity: 100,
      soldAt: order.createdAt,
    });
    expect(sales.items).toEqual([update(first, 2, 2), update(second, 3, 5)]);
    expect(sales.errors).toEqual([]);
  });
});
