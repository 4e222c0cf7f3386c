import {
  eventually,
  graphql,
  routerMetric,
  startStack,
  testInfrastructure,
  type ManagedProcess,
  type Stack,
} from '@ko/platform/testing';

/**
 * A service process that dies is restarted by the supervisor (as under `npm start`), and the
 * router routes around it while it is down: with two instances nobody notices, with one the
 * service is back and serving through the router once its replacement is up.
 */

const HEALTH_INTERVAL_MS = 300;
const RESTART_DELAY_MS = 500;
// A restarted service boots and migrates on a busy machine: patience, within the test's timeout.
const RESTART_PATIENCE_MS = 40_000;
const TEST_TIMEOUT_MS = 90_000;
const EVENTS_QUERY = '{ events(first: 5) { totalCount edges { node { id title } } } }';

let stack: Stack;
let url: string;
const supervisorLines: string[] = [];

type InstanceHealth = { url: string; healthy: boolean };
async function routerView(service: string): Promise<InstanceHealth[]> {
  const body = (await (await fetch(url.replace('/graphql', '/health'))).json()) as {
    services: Record<string, InstanceHealth[]>;
  };
  return body.services[service] ?? [];
}

/** Queries the router has sent to one events instance and had answered, from its /metrics. */
async function answeredBy(instanceUrl: string): Promise<number> {
  return routerMetric(url, 'router_subgraph_requests_total', {
    subgraph: 'events',
    instance: instanceUrl,
    outcome: 'ok',
  });
}

const instanceUrl = (instance: ManagedProcess) =>
  `http://127.0.0.1:${instance.spec.env.PORT}/graphql`;

/** Waits until the supervisor has brought `instance` back, healthy, as a new process. */
async function restarted(instance: ManagedProcess, oldPid: number | undefined): Promise<void> {
  await eventually(
    `${instance.spec.name} restarted`,
    () => ({ running: instance.running, pid: instance.pid, restarts: stack.restarts(instance) }),
    (now) => now.running && now.pid !== oldPid && now.restarts === 1,
    RESTART_PATIENCE_MS,
  );
}

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'router'],
    instances: { events: 2 },
    serviceEnv: {
      router: {
        HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
        HEALTH_TIMEOUT_MS: '1000',
        SUBGRAPH_TIMEOUT_MS: '5000',
      },
    },
    supervise: {
      log: (line) => supervisorLines.push(line),
      policy: { initialDelayMs: RESTART_DELAY_MS },
    },
  });
  url = stack.routerUrl;
}, 120_000);

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('a service process that dies', () => {
  it(
    'with two instances: every query keeps succeeding, and the killed one comes back and serves',
    async () => {
      const [victim] = stack.instances('events');
      const victimUrl = instanceUrl(victim);
      await eventually(
        'both events instances in rotation',
        () => routerView('events'),
        (list) => list.length === 2 && list.every((i) => i.healthy),
      );

      // Clients query without pause through the kill, the restart and the return to rotation.
      const failures: string[] = [];
      let answered = 0;
      let loading = true;
      const client = async () => {
        while (loading) {
          const result = await graphql(url, EVENTS_QUERY).catch((error: Error) => ({
            errors: [{ message: `${error.message} (${String(error.cause)})` }],
            data: undefined,
          }));
          if (result.errors || !result.data) failures.push(JSON.stringify(result.errors));
          else answered++;
        }
      };
      const clients = Array.from({ length: 4 }, client);
      try {
        const oldPid = victim.pid;
        await victim.kill(); // SIGKILL: no shutdown, like the kernel's out-of-memory killer
        await eventually(
          'the router takes the dead instance out of rotation',
          () => routerView('events'),
          (list) => list.some((i) => i.url === victimUrl && !i.healthy),
        );
        await restarted(victim, oldPid);
        await eventually(
          'the restarted instance back in rotation',
          () => routerView('events'),
          (list) => list.every((i) => i.healthy),
        );
        const before = await answeredBy(victimUrl);
        await eventually(
          'the restarted instance answering the router',
          () => answeredBy(victimUrl),
          (count) => count > before,
        );
      } finally {
        loading = false;
        await Promise.all(clients);
      }
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(0);
      expect(supervisorLines).toContainEqual(
        expect.stringMatching(/^events#1 exited \(signal SIGKILL after .*\); restarting in 0\.5s$/),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'with one instance: it is restarted, and the router serves what it owns again',
    async () => {
      const [users] = stack.instances('users');
      const oldPid = users.pid;
      // Only the users service can answer this, and only through the router does the test ask.
      let attempt = 0;
      const signUp = () =>
        graphql(url, 'mutation($i: RegisterInput!) { register(input: $i) { token } }', {
          i: {
            email: `back-${++attempt}@example.com`,
            password: 'password-123',
            name: 'Back',
            role: 'FAN',
          },
        });
      await users.kill();
      expect(supervisorLines).toContainEqual(
        expect.stringMatching(/^users#1 exited \(signal SIGKILL after .*\); restarting in/),
      );
      // Down (its restart is still ahead): the router says so at once rather than hanging.
      const whileDown = await signUp();
      expect(whileDown.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      await restarted(users, oldPid);
      const signedUp = await eventually(
        'sign-up through the router',
        signUp,
        (result) => !result.errors && Boolean(result.data?.register?.token),
        30_000,
      );
      const me = await graphql(url, '{ me { name } }', {}, signedUp.data!.register.token);
      expect(me.errors).toBeUndefined();
      expect(me.data!.me.name).toBe('Back');
    },
    TEST_TIMEOUT_MS,
  );

  it('is not restarted when the stack is stopped', async () => {
    const instances = (['users', 'events', 'router'] as const).flatMap((n) => stack.instances(n));
    const linesBefore = supervisorLines.length;
    await stack.stop({ dropDatabases: true });
    await new Promise((r) => setTimeout(r, RESTART_DELAY_MS * 4));
    expect(instances.filter((i) => i.running).map((i) => i.spec.name)).toEqual([]);
    expect(supervisorLines.slice(linesBefore)).toEqual([]);
  });
});
