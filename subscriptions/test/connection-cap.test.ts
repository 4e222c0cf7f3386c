// An instance serves at most MAX_CONNECTIONS sockets: the next client, through the router, is told
// to try again later (1013) while the others keep their subscriptions, and gets in once one leaves.
import { startStack, testInfrastructure, type Stack } from '@ko/platform/testing';
import { readServiceList } from '@ko/platform';
import { connect, eventually, stats, type LiveClient } from './live-client';

const MAX_CONNECTIONS = 3;

let stack: Stack;
let routerWs: string;
let instances: string[];

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'subscriptions', 'router'],
    serviceEnv: { subscriptions: { MAX_CONNECTIONS: String(MAX_CONNECTIONS) } },
  });
  routerWs = stack.routerUrl.replace(/^http/, 'ws');
  instances = readServiceList(stack.serviceListPath).subscriptions;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

const connections = () =>
  stats(instances).then((all) => all.reduce((sum, s) => sum + s.connections, 0));

/** A client that the instance accepted and still holds (no close within the wait). */
async function admitted(): Promise<LiveClient> {
  const before = await connections();
  const live = connect(routerWs);
  await eventually(connections, (n) => n === before + 1);
  return live;
}

it('closes sockets past the cap with 1013, keeps the others, and takes a new one once there is room', async () => {
  const held = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await admitted());

  const refused = connect(routerWs);
  const closed = await refused.closed;
  expect(closed.code).toBe(1013);
  expect(closed.reason).toMatch(/full/);
  await eventually(connections, (n) => n === MAX_CONNECTIONS);

  await held.pop()!.dispose();
  await eventually(connections, (n) => n === MAX_CONNECTIONS - 1);
  const later = await admitted();
  const outcome = await Promise.race([
    later.closed,
    new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 1_000)),
  ]);
  expect(outcome).toBe('open');
  await Promise.all([...held, later].map((live) => live.dispose()));
});
