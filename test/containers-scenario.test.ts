// The containers check's client side (scripts/containers/scenario.ts) against the stack as
// `npm start` runs it, no engine needed: the router may answer SERVICE_UNAVAILABLE for a part
// that was done after all, and the scenario's retry must not do it twice.
import { startStack, testInfrastructure, type Stack } from '@ko/platform/testing';
import { Client, clientScenario } from '../scripts/containers/scenario';

jest.setTimeout(180_000);

const EVENT_PARTS = ['createEvent', 'addTicketTier', 'publishEvent'];

/** Loses the answer to each of the event's mutations once, after the platform has done it. */
class LosingClient extends Client {
  readonly lost: string[] = [];

  override async request<T>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<T> {
    const answer = await super.request<T>(query, variables, token);
    const field = /^mutation[^{]*\{\s*(\w+)/.exec(query)?.[1];
    if (field && EVENT_PARTS.includes(field) && !this.lost.includes(field)) {
      this.lost.push(field);
      throw new Error('SERVICE_UNAVAILABLE the answer was lost on its way (test)');
    }
    return answer;
  }
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'router'],
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop({ dropDatabases: true });
});

it('creates, prices and publishes the event once when each answer is lost after the work', async () => {
  const client = new LosingClient(stack.routerUrl);
  const ran: string[] = [];
  // Only the set-up steps: the purchase's PDF and the chat need services this stack leaves out.
  const world = await clientScenario(client, 'ws://unused', async (name, step) => {
    if (!/^(register|create)/.test(name)) return;
    ran.push(name);
    await step();
  });
  expect(ran).toHaveLength(2);
  expect(client.lost).toEqual(EVENT_PARTS);

  const { me } = await new Client(stack.routerUrl).request<{
    me: {
      organizedEvents: Array<{
        id: string;
        title: string;
        status: string;
        tiers: Array<{ id: string }>;
      }>;
    };
  }>(
    'query { me { organizedEvents { id title status tiers { id } } } }',
    {},
    world.organizer.token,
  );
  expect(me.organizedEvents).toEqual([
    {
      id: world.eventId,
      title: `Containers ${world.runId}`,
      status: 'ON_SALE',
      tiers: [{ id: world.tierId }],
    },
  ]);
});
