import {
  eventually,
  graphql,
  routerMetric,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

let stack: Stack;
let url: string;

/** The router's gauge of yielding operations waiting for their turn. */
const waiting = () => routerMetric(url, 'router_yielding_operations_waiting');

beforeAll(async () => {
  // `categories` (events) yields here, one at a time: cheap to send, and easy to hold by
  // stopping the events process.
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'router'],
    serviceEnv: { router: { YIELDING_FIELDS: 'Query.categories', YIELDING_CONCURRENCY: '1' } },
  });
  url = stack.routerUrl;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('yielding operations, through the router', () => {
  it('holds the yielding operations in line while the others pass, then answers them all', async () => {
    const events = stack.instances('events')[0]!;
    // Stopped, not killed: the first operation's subgraph call waits, holding the only turn.
    process.kill(events.pid!, 'SIGSTOP');
    let held: Array<Promise<{ data?: { categories?: string[] } | null; errors?: unknown }>> = [];
    try {
      held = [1, 2, 3].map(() => graphql<{ categories: string[] }>(url, '{ categories }'));
      await eventually('operations waiting for their turn', waiting, (n) => n === 2, 3_000);
      // Anything else is not held: it is answered while the yielding ones wait.
      const other = await graphql(url, '{ me { id } }');
      expect(other.errors).toBeUndefined();
      expect(other.data).toEqual({ me: null });
    } finally {
      process.kill(events.pid!, 'SIGCONT');
    }
    for (const answer of await Promise.all(held)) {
      expect(answer.errors).toBeUndefined();
      // The catalogue's categories (none yet in this fresh database): an answer, not an error.
      expect(Array.isArray(answer.data?.categories)).toBe(true);
    }
    expect(await waiting()).toBe(0);
  });
});
