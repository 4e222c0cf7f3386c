import WebSocket from 'ws';
import { graphql, loggedLines } from '@ko/platform/testing';
import { eventually, follow, stats, subscriptionsActive } from './live-client';
import {
  MESSAGE_POSTED,
  MESSAGE_DELETED,
  POST,
  ANNOUNCE,
  type Account,
  type Message,
  stack,
  url,
  routerWs,
  instances,
  organizer,
  fans,
  eventA,
  eventB,
  post,
  open,
  postedFact,
  produceAsChat,
  setUpLiveWorld,
} from './live-world';

// Live delivery through the router: order, exactly once, deletions, keep-alive, redelivered and
// malformed facts, two instances.
setUpLiveWorld();

describe('through the router', () => {
  it("delivers an event's messages and announcements to its subscribers only, in order, exactly once", async () => {
    const [fan1, fan2, fan3] = fans;
    const onA = [fan1, fan2, organizer].map((who) =>
      follow<Message>(open(routerWs, who), MESSAGE_POSTED, { eventId: eventA }, 'messagePosted'),
    );
    const onB = follow<Message>(
      open(routerWs, fan3),
      MESSAGE_POSTED,
      { eventId: eventB },
      'messagePosted',
    );
    const perInstance = await subscriptionsActive(instances, 4);
    // The router spread the connections over both instances, and each delivers to its own clients.
    expect(perInstance.map((s) => s.subscriptions).sort()).toEqual([2, 2]);

    const sent: Array<{ id: string; body: string; kind: string; author: Account }> = [];
    const send = async (by: Account, body: string, kind: 'MESSAGE' | 'ANNOUNCEMENT' = 'MESSAGE') =>
      sent.push({
        id: await post(by, eventA, body, kind === 'MESSAGE' ? POST : ANNOUNCE),
        body,
        kind,
        author: by,
      });
    await send(fan1, 'Hi all!');
    await send(fan2, 'Hello from row 12');
    const onBFirst = await post(fan3, eventB, 'Only for event B');
    await send(fan1, 'Who else is here early?');
    await send(organizer, 'Doors open at 19:00', 'ANNOUNCEMENT');
    await send(fan2, 'See you there');
    // Last of all: a marker on each event. A duplicate or a stray message would arrive before it.
    await send(organizer, 'End of test', 'ANNOUNCEMENT');
    const onBLast = await post(fan3, eventB, 'Event B marker');

    const expected = sent.map((m) => ({
      id: m.id,
      body: m.body,
      kind: m.kind,
      eventId: eventA,
      event: { id: eventA },
      author: { id: m.author.id, name: m.author.name },
    }));
    for (const follower of onA) {
      await follower.waitFor(sent.length);
      expect(follower.items.map(({ createdAt: _createdAt, ...rest }) => rest)).toEqual(expected);
      expect(follower.errors).toEqual([]);
    }
    await onB.waitFor(2);
    expect(onB.items.map((m) => m.id)).toEqual([onBFirst, onBLast]);
    expect(onB.items.every((m) => m.eventId === eventB)).toBe(true);
  });

  it('relays a result shared by followers behind the router once per instance, to each of them', async () => {
    // The router links to an instance with its first tunnel there; subscriptions made once the
    // link is up go over it. Two connections, so both instances have had one.
    open(routerWs);
    open(routerWs);
    await eventually(
      () => stats(instances),
      (all) => all.every((s) => s.relayLinks === 1),
    );
    const followers = [fans[0], fans[1], fans[2], organizer].map((who) =>
      follow<Message>(open(routerWs, who), MESSAGE_POSTED, { eventId: eventA }, 'messagePosted'),
    );
    const perInstance = await subscriptionsActive(instances, 4);
    expect(perInstance.map((s) => s.relayedSubscriptions)).toEqual([2, 2]);
    const ids = [
      await post(fans[0], eventA, 'relayed 1'),
      await post(fans[1], eventA, 'relayed 2'),
    ];
    for (const follower of followers) {
      await follower.waitFor(ids.length);
      expect(follower.items.map((m) => m.id)).toEqual(ids);
      expect(follower.errors).toEqual([]);
    }
  });

  it('tells subscribers when a message is deleted', async () => {
    const deleted = follow<string>(
      open(routerWs, fans[0]),
      MESSAGE_DELETED,
      { eventId: eventA },
      'messageDeleted',
    );
    await subscriptionsActive(instances, 1);
    const id = await post(fans[0], eventA, 'Oops, wrong chat');
    const result = await graphql(
      url,
      'mutation($id: ID!) { deleteMessage(id: $id) }',
      { id },
      organizer.token,
    );
    expect(result.data!.deleteMessage).toBe(id);
    expect(await deleted.waitFor(1)).toEqual([id]);
  });

  it('unsubscribes cleanly: the instance forgets the subscription and sends nothing more', async () => {
    const socket = open(routerWs, fans[0]);
    const leaving = follow<Message>(socket, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    const staying = follow<Message>(socket, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    await subscriptionsActive(instances, 2);
    await post(fans[1], eventA, 'first');
    await leaving.waitFor(1);
    leaving.unsubscribe();
    await subscriptionsActive(instances, 1);
    await post(fans[1], eventA, 'second');
    await staying.waitFor(2);
    expect(leaving.items.map((m) => m.body)).toEqual(['first']);
    expect(staying.items.map((m) => m.body)).toEqual(['first', 'second']);
  });
});

describe('keep-alive', () => {
  it('disconnects a client that stops answering pings, while others keep receiving', async () => {
    const healthy = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    // A raw graphql-transport-ws client whose network "died": it never answers the server's pings.
    const silent = new WebSocket(routerWs, 'graphql-transport-ws', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    const acknowledged = new Promise((resolve) => silent.once('message', resolve));
    silent.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect(JSON.parse(String(await acknowledged))).toEqual({ type: 'connection_ack' });
    silent.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: MESSAGE_POSTED, variables: { eventId: eventA } },
      }),
    );
    await subscriptionsActive(instances, 2);
    // Terminated without a closing handshake (1006), and its subscription is gone.
    expect(await closed).toBe(1006);
    await subscriptionsActive(instances, 1);
    const id = await post(fans[1], eventA, 'still here');
    expect((await healthy.waitFor(1)).map((m) => m.id)).toEqual([id]);
  });
});

describe('at-least-once delivery', () => {
  it('delivers a fact redelivered by Kafka (same envelope id) once', async () => {
    const chat = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    // What the outbox relay sends again after a crash between send and mark: the same envelope.
    const envelope = postedFact({ body: 'Sent twice' });
    const value = JSON.stringify(envelope);
    await produceAsChat([value, value]);
    // A real message posted afterwards on the same event (same partition) comes in behind them.
    const marker = await post(fans[0], eventA, 'marker');
    await chat.waitFor(2);
    expect(chat.items.map((m) => m.id)).toEqual([envelope.data.id, marker]);
    expect(chat.items[0].author).toEqual({ id: fans[1].id, name: fans[1].name });
  });
});

describe('facts that do not parse', () => {
  it('skips, counts and logs a malformed fact and goes on delivering the next ones', async () => {
    const chat = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    const before = await stats(instances);
    const valid = postedFact({ body: 'Right after the bad ones' });
    const malformed = [
      'not json at all',
      JSON.stringify({ id: 'no-envelope' }),
      // Each would make a live update that is not one: no body, an unknown kind, a bad event id.
      JSON.stringify(postedFact({ body: undefined })),
      JSON.stringify(postedFact({ kind: 'SHOUT' })),
      JSON.stringify(postedFact({ eventId: 'not-a-uuid' })),
    ];
    await produceAsChat([...malformed, JSON.stringify(valid)]);
    const marker = await post(fans[0], eventA, 'marker after the bad facts');
    await chat.waitFor(2);
    expect(chat.items.map((m) => m.id)).toEqual([valid.data.id, marker]);
    expect(chat.items[0].body).toBe('Right after the bad ones');
    // Every instance counted each bad fact and kept consuming.
    const after = await stats(instances);
    for (const [i, s] of after.entries()) {
      expect(s.consuming).toBe(true);
      expect(s.factsSkipped.malformed - before[i].factsSkipped.malformed).toBe(malformed.length);
      // Operators read the process's memory beside its counts.
      expect(s.memoryMb.rss).toBeGreaterThan(s.memoryMb.heapUsed);
      expect(s.memoryMb.heapSpaces.old_space).toBeGreaterThan(0);
    }
    // And logged each one with where it lies.
    const logged = await eventually(
      async () => loggedLines(stack, 'subscriptions-1', 'not a valid fact'),
      (lines) => lines.length >= malformed.length,
    );
    expect(logged[0]).toMatchObject({ topic: 'chat.messages', level: 40 });
    expect(logged[0]).toHaveProperty('partition');
    expect(logged[0]).toHaveProperty('offset');
  });
});

describe('two subscriptions instances', () => {
  it('delivers every message to clients of each instance', async () => {
    const followers = instances.flatMap((instance) =>
      [fans[0], fans[1]].map((who) =>
        follow<Message>(open(instance, who), MESSAGE_POSTED, { eventId: eventA }, 'messagePosted'),
      ),
    );
    const perInstance = await subscriptionsActive(instances, 4);
    expect(perInstance.map((s) => s.subscriptions)).toEqual([2, 2]);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(fans[i % 3], eventA, `fan-out ${i}`));
    for (const follower of followers) {
      await follower.waitFor(ids.length);
      expect(follower.items.map((m) => m.id)).toEqual(ids);
    }
  });
});
