import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually,
  graphql,
  RouterClient,
  routerMetric,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const POST = 'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }';

let stack: Stack;
let url: string;
let organizer: { token: string };
let eventId: string;

/** A post as a client sends it: its HTTP status and Retry-After beside the GraphQL answer. */
async function post(body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${organizer.token}` },
    body: JSON.stringify({ query: POST, variables: { e: eventId, b: body } }),
  });
  const answer = (await response.json()) as {
    data?: { postMessage?: { id: string } } | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), answer };
}

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'chat', 'router'],
  });
  url = stack.routerUrl;
  const client = new RouterClient(url);
  organizer = await client.account('ORGANIZER');
  eventId = (await client.event(organizer.token)).id;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('shedding under overload, through the router', () => {
  it('refuses posts while its event loop runs late, answers everything else, and takes posts again once it has caught up', async () => {
    expect((await post('before')).answer.errors).toBeUndefined();
    const router = stack.instances('router')[0]!;
    // The router stopped for a second: to its event loop, as late as a second of overload. What
    // is sent meanwhile waits in its socket's backlog and is read once it resumes.
    process.kill(router.pid!, 'SIGSTOP');
    let during: Awaited<ReturnType<typeof post>>;
    let query: Awaited<ReturnType<typeof graphql<{ me: { id: string } | null }>>>;
    try {
      const sent = [
        post('during'),
        graphql<{ me: { id: string } | null }>(url, '{ me { id } }', {}, organizer.token),
      ] as const;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      process.kill(router.pid!, 'SIGCONT');
      [during, query] = await Promise.all(sent);
    } finally {
      process.kill(router.pid!, 'SIGCONT');
    }
    expect(during.status).toBe(503);
    expect(during.retryAfter).toBe('1');
    expect(during.answer.data ?? null).toBeNull();
    expect(during.answer.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: 1,
    });
    // What does not fan out is not shed.
    expect(query.errors).toBeUndefined();
    expect(query.data?.me?.id).toBeDefined();
    expect(await routerMetric(url, 'router_operations_shed_total')).toBe(1);
    // And the router says so in its log, with how late it ran.
    const refusal = await eventually(
      'the refusal logged',
      () =>
        readFileSync(join(stack.workDir, 'logs', 'router-1.log'), 'utf8')
          .split('\n')
          .find((line) => line.includes('router overloaded')),
      (line) => line !== undefined,
      3_000,
    );
    expect(JSON.parse(refusal!)).toMatchObject({ level: 40, refused: 1 });
    expect(JSON.parse(refusal!).loopDelayMs).toBeGreaterThan(100);
    // Caught up: posts are taken again, and the refused one was never stored.
    await eventually(
      'a post taken again',
      () => post('after'),
      (answer) => answer.status === 200 && !!answer.answer.data?.postMessage?.id,
      5_000,
    );
    const history = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { messages(first: 10) { edges { node { body } } } } }',
      { id: eventId },
      organizer.token,
    );
    const bodies = (
      history.data?.event?.messages?.edges as Array<{ node: { body: string } }> | undefined
    )?.map((edge) => edge.node.body);
    expect(bodies).toEqual(expect.arrayContaining(['before', 'after']));
    expect(bodies).not.toContain('during');
  });
});
