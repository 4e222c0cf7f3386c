import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type ExecutionResult } from 'graphql';
import { createSharedSubscribe } from '../src/shared-execution';

/** A live feed like the fan-out's: one payload object handed to every subscriber. */
function feed() {
  const subscribers = new Set<{ push: (value: object) => void; end: () => void }>();
  return {
    subscribers,
    publish: (payload: object) => subscribers.forEach((s) => s.push(payload)),
    subscribe(): AsyncIterableIterator<object> {
      const queue: object[] = [];
      let waiting: ((r: IteratorResult<object>) => void) | undefined;
      const entry = {
        push: (value: object) =>
          waiting ? (waiting({ value, done: false }), (waiting = undefined)) : queue.push(value),
        end: () => {
          subscribers.delete(entry);
          waiting?.({ value: undefined, done: true });
        },
      };
      subscribers.add(entry);
      return {
        next: () =>
          queue.length
            ? Promise.resolve({ value: queue.shift()!, done: false })
            : new Promise((r) => (waiting = r)),
        return: () => {
          entry.end();
          return Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

function setUp() {
  const live = feed();
  const calls = { body: 0 };
  const schema = makeExecutableSchema({
    typeDefs: `type Query { ping: Boolean }
      type Message { id: ID! body(shout: Boolean): String! }
      type Subscription { posted(room: String!): Message! }`,
    resolvers: {
      Subscription: {
        posted: { subscribe: () => live.subscribe(), resolve: (payload: object) => payload },
      },
      Message: {
        body: (m: { body: string }, { shout }: { shout?: boolean }) => {
          calls.body += 1;
          return shout ? m.body.toUpperCase() : m.body;
        },
      },
    },
  });
  const subscribe = createSharedSubscribe();
  const open = async (query: string, variableValues: Record<string, unknown> = { room: 'a' }) => {
    const result = await subscribe({
      schema,
      document: parse(query),
      variableValues,
      contextValue: {},
    });
    if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result));
    return result;
  };
  return { live, calls, open };
}

const POSTED = 'subscription($room: String!) { posted(room: $room) { id body } }';

describe('shared subscription execution', () => {
  it('executes a payload once for every subscriber with the same document and variables', async () => {
    const { live, calls, open } = setUp();
    const subscribers = await Promise.all(Array.from({ length: 50 }, () => open(POSTED)));
    live.publish({ id: '1', body: 'hello' });
    live.publish({ id: '2', body: 'again' });
    for (const s of subscribers) {
      expect((await s.next()).value).toEqual({ data: { posted: { id: '1', body: 'hello' } } });
      expect((await s.next()).value).toEqual({ data: { posted: { id: '2', body: 'again' } } });
    }
    expect(calls.body).toBe(2);
  });

  it('executes separately for another selection or other variables, each getting its own answer', async () => {
    const { live, calls, open } = setUp();
    const plain = await open(POSTED);
    const shouted = await open(
      'subscription($room: String!) { posted(room: $room) { body(shout: true) } }',
    );
    const otherRoom = await open(POSTED, { room: 'b' });
    live.publish({ id: '1', body: 'hello' });
    const first = async (s: AsyncIterator<ExecutionResult>) => (await s.next()).value;
    expect(await first(plain)).toEqual({ data: { posted: { id: '1', body: 'hello' } } });
    expect(await first(shouted)).toEqual({ data: { posted: { body: 'HELLO' } } });
    expect(await first(otherRoom)).toEqual({ data: { posted: { id: '1', body: 'hello' } } });
    expect(calls.body).toBe(3);
  });

  it('ends the subscription at once on return(), without waiting for another payload', async () => {
    const { live, open } = setUp();
    const subscription = await open(POSTED);
    const pending = subscription.next();
    expect(live.subscribers.size).toBe(1);
    await subscription.return!();
    expect(live.subscribers.size).toBe(0);
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
  });

  it('passes errors of the operation through rather than a stream', async () => {
    const { open } = setUp();
    await expect(open('subscription { posted { id } }', {})).rejects.toThrow(/room/);
  });
});
