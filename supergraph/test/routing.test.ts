import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  ManagedProcess,
  eventually,
  freePort,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

// Short intervals so rotation changes happen within a test's patience.
const HEALTH_INTERVAL_MS = 300;
const routerEnv = {
  HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
  HEALTH_TIMEOUT_MS: '1000',
  WATCH_INTERVAL_MS: '200',
  SUBGRAPH_TIMEOUT_MS: '2000',
};

let stack: Stack;
let url: string;
let health: string;
let metricsUrl: string;

type InstanceHealth = { url: string; healthy: boolean };
async function instancesOf(service: string): Promise<InstanceHealth[]> {
  const body = (await (await fetch(health)).json()) as {
    services: Record<string, InstanceHealth[]>;
  };
  return body.services[service] ?? [];
}

/** Requests each events instance has received from the router, from its /metrics. */
async function requestsPerInstance(): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(
    /router_subgraph_requests_total\{subgraph="events",instance="([^"]+)",outcome="ok"\} (\d+)/g,
  )) {
    counts[match[1]] = Number(match[2]);
  }
  return counts;
}

function editServiceList(
  edit: (doc: {
    subgraphs: Record<
      string,
      { routing_url: string; instances?: string[]; schema: { file: string } }
    >;
  }) => void,
) {
  const doc = parse(readFileSync(stack.serviceListPath, 'utf8'));
  edit(doc);
  writeFileSync(stack.serviceListPath, stringify(doc));
}

const EVENTS_QUERY = '{ events(first: 5) { totalCount edges { node { id title } } } }';

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'router'],
    instances: { events: 2 },
    serviceEnv: { router: routerEnv },
  });
  url = stack.routerUrl;
  health = url.replace('/graphql', '/health');
  metricsUrl = url.replace('/graphql', '/metrics');
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('the router under failure', () => {
  it('keeps every query answering while an instance dies mid-load, and takes it back after restart', async () => {
    const [victim] = stack.instances('events');
    const victimUrl = `http://127.0.0.1:${victim.spec.env.PORT}/graphql`;
    await eventually(
      'both instances healthy',
      () => instancesOf('events'),
      (list) => list.length === 2 && list.every((i) => i.healthy),
    );

    // 400 queries, 8 at a time; the victim is killed (SIGKILL, no goodbye) after the first 100.
    const results: Array<{ ok: boolean; detail?: string }> = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 400) {
        sent++;
        if (sent === 100) void victim.kill();
        const result = await graphql(url, EVENTS_QUERY);
        results.push(
          result.errors ? { ok: false, detail: JSON.stringify(result.errors) } : { ok: true },
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(results).toHaveLength(400);
    expect(results.filter((r) => !r.ok)).toEqual([]);

    const afterKill = await eventually(
      'victim out of rotation',
      () => instancesOf('events'),
      (list) => list.some((i) => i.url === victimUrl && !i.healthy),
      HEALTH_INTERVAL_MS * 2 + 2_000,
    );
    expect(afterKill.filter((i) => i.healthy)).toHaveLength(1);

    await victim.start();
    await eventually(
      'victim back in rotation',
      () => instancesOf('events'),
      (list) => list.every((i) => i.healthy),
    );
    const before = (await requestsPerInstance())[victimUrl] ?? 0;
    for (let i = 0; i < 10; i++) expect((await graphql(url, EVENTS_QUERY)).errors).toBeUndefined();
    expect((await requestsPerInstance())[victimUrl]).toBeGreaterThan(before);
  });

  it('puts an instance added to the service list at run time into rotation', async () => {
    const template = stack.instances('events')[0].spec;
    const port = await freePort();
    const extra = new ManagedProcess({
      ...template,
      name: 'events#extra',
      env: { ...template.env, PORT: String(port) },
      logFile: join(stack.workDir, 'logs', 'events-extra.log'),
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
    await extra.start();
    try {
      const extraUrl = `http://127.0.0.1:${port}/graphql`;
      editServiceList((doc) => {
        const events = doc.subgraphs.events;
        events.instances = [...(events.instances ?? [events.routing_url]), extraUrl];
      });
      await eventually(
        'extra instance registered',
        () => instancesOf('events'),
        (list) => list.some((i) => i.url === extraUrl && i.healthy),
      );
      for (let i = 0; i < 12; i++)
        expect((await graphql(url, EVENTS_QUERY)).errors).toBeUndefined();
      expect((await requestsPerInstance())[extraUrl]).toBeGreaterThanOrEqual(3);
    } finally {
      await extra.stop();
    }
  });

  it('rejects a schema change that does not compose and keeps serving the old supergraph', async () => {
    const brokenSchema = join(stack.workDir, 'broken-events.graphql');
    writeFileSync(
      brokenSchema,
      readFileSync(join(__dirname, '../../subgraphs/events/src/schema.graphql'), 'utf8').replace(
        'title: String!',
        'title: Int!\n  title: String!',
      ),
    );
    let original = '';
    editServiceList((doc) => {
      original = doc.subgraphs.events.schema.file;
      doc.subgraphs.events.schema.file = brokenSchema;
    });
    const log = join(stack.workDir, 'logs', 'router-1.log');
    await eventually(
      'rejection logged',
      async () => readFileSync(log, 'utf8'),
      (text) => text.includes('service list change rejected'),
    );
    const result = await graphql(url, EVENTS_QUERY);
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.totalCount).toBeGreaterThanOrEqual(0);
    editServiceList((doc) => {
      doc.subgraphs.events.schema.file = original;
    });
  });

  it('answers the parts it can when a whole subgraph is down, with a clear error for the rest', async () => {
    const organizer = await graphql(
      url,
      'mutation { register(input: { email: "down@example.com", password: "password-1", name: "Dana", role: ORGANIZER }) { token } }',
    );
    const token = organizer.data!.register.token;
    const created = await graphql(
      url,
      'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
      {
        i: {
          title: 'Outage party',
          description: '',
          category: 'Music',
          venue: 'Hall',
          city: 'Oslo',
          startsAt: '2031-01-01T20:00:00Z',
        },
      },
      token,
    );
    await graphql(
      url,
      'mutation($id: ID!) { publishEvent(id: $id) { id } }',
      { id: created.data!.createEvent.id },
      token,
    );

    const [users] = stack.instances('users');
    await users.stop();
    try {
      const eventsOnly = await graphql(
        url,
        '{ events(filter: { search: "Outage" }) { edges { node { title } } } }',
      );
      expect(eventsOnly.errors).toBeUndefined();
      expect(eventsOnly.data!.events.edges[0].node.title).toBe('Outage party');

      const started = Date.now();
      const withOrganizer = await graphql(
        url,
        '{ events(filter: { search: "Outage" }) { edges { node { title organizer { name } } } } }',
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(withOrganizer.data!.events.edges[0].node).toEqual({
        title: 'Outage party',
        organizer: null,
      });
      expect(withOrganizer.errors?.[0].message).toMatch(/users service is unavailable/);
      expect(withOrganizer.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await users.start();
    }
  });

  it('answers events without tiers, plus a clear error, when the tickets subgraph is down', async () => {
    const [tickets] = stack.instances('tickets');
    await tickets.stop();
    try {
      const eventsOnly = await graphql(
        url,
        '{ events(filter: { search: "Outage" }) { edges { node { title } } } }',
      );
      expect(eventsOnly.errors).toBeUndefined();
      expect(eventsOnly.data!.events.edges[0].node.title).toBe('Outage party');

      const withTiers = await graphql(
        url,
        '{ events(filter: { search: "Outage" }) { edges { node { title tiers { name available } } } } }',
      );
      expect(withTiers.data!.events.edges[0].node).toEqual({ title: 'Outage party', tiers: null });
      expect(withTiers.errors?.[0].message).toMatch(/tickets service is unavailable/);
      expect(withTiers.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await tickets.start();
    }
  });
});
