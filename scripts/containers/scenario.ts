// The client's side of `npm run test:containers`: what a user does, through the router's
// published port only (HTTP and the WebSocket at the same URL). Each step throws with what it
// got when the platform answers otherwise.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws/client';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export class Client {
  constructor(readonly url: string) {}

  /** One operation over HTTP; throws on GraphQL errors. */
  async request<T>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: GraphQLResponse<T>;
    try {
      body = JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new Error(`HTTP ${response.status}, not GraphQL: ${text.slice(0, 300)}`);
    }
    if (body.errors?.length || !body.data)
      throw new Error(
        `HTTP ${response.status}: ${(body.errors ?? [])
          .map((e) => `${e.extensions?.code ?? '?'} ${e.message}`)
          .join('; ')}`,
      );
    return body.data;
  }
}

/** Retries `step` until it passes (a service reconnecting after a restart), then returns. */
export async function eventually<T>(
  what: string,
  step: () => Promise<T>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `${what}: still failing after ${timeoutMs / 1000} s: ${(error as Error).message}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Retries a step the platform answered with SERVICE_UNAVAILABLE (a subgraph slower than the
 * router's time limit, as on a machine whose cores other jobs share): the answer says to try
 * again shortly, as a client does. Only for steps that are safe to repeat.
 */
async function whenAvailable<T>(step: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!/SERVICE_UNAVAILABLE/.test((error as Error).message) || Date.now() > deadline)
        throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const REGISTER = 'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';

export interface World {
  runId: string;
  password: string;
  organizer: { email: string; token: string };
  fan: { email: string; token: string };
  eventId: string;
  tierId: string;
  capacity: number;
  orderId: string;
  /** The first order's ticket codes. */
  codes: string[];
  /** Tickets sold so far, every order. */
  sold: number;
  message: string;
}

type Check = (name: string, step: () => Promise<string | void>) => Promise<void>;

/** Register, publish an event, browse, buy, download the PDF, chat live. */
export async function clientScenario(client: Client, wsUrl: string, check: Check): Promise<World> {
  const runId = randomUUID().slice(0, 8);
  const password = `containers-${randomUUID()}`;
  const world = { runId, password, capacity: 50 } as World;

  await check('register an organizer and a fan', async () => {
    for (const role of ['organizer', 'fan'] as const) {
      const email = `${role}-${runId}@example.com`;
      let tried = false;
      const token = await whenAvailable(async () => {
        try {
          const { register } = await client.request<{ register: { token: string } }>(REGISTER, {
            i: {
              email,
              password,
              name: `${role} ${runId}`,
              role: role === 'fan' ? 'FAN' : 'ORGANIZER',
            },
          });
          return register.token;
        } catch (error) {
          // An earlier try the router gave up on may have registered the account after all.
          if (!tried || !/CONFLICT/.test((error as Error).message)) {
            tried = true;
            throw error;
          }
          const { login } = await client.request<{ login: { token: string } }>(LOGIN, {
            e: email,
            p: password,
          });
          return login.token;
        }
      });
      world[role] = { email, token };
    }
  });

  await check('create, price and publish an event (organizer)', async () => {
    const token = world.organizer.token;
    const title = `Containers ${runId}`;
    // Each part is retried when answered SERVICE_UNAVAILABLE, and the router may have given up
    // on a part that was done after all: a try first looks at what the organizer has.
    const mine = async () => {
      const { me } = await client.request<{
        me: {
          organizedEvents: Array<{
            id: string;
            title: string;
            status: string;
            tiers: Array<{ id: string }> | null;
          }>;
        };
      }>('query { me { organizedEvents { id title status tiers { id } } } }', {}, token);
      return me.organizedEvents.find((e) => e.title === title);
    };
    world.eventId = await whenAvailable(async () => {
      const made = await mine();
      if (made) return made.id;
      const { createEvent } = await client.request<{ createEvent: { id: string } }>(
        'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
        {
          i: {
            title,
            description: 'The platform, every service in its own container.',
            category: 'music',
            venue: 'Podman Hall',
            city: 'Lisbon',
            startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          },
        },
        token,
      );
      return createEvent.id;
    });
    world.tierId = await whenAvailable(async () => {
      const added = (await mine())?.tiers?.[0];
      if (added) return added.id;
      const { addTicketTier } = await client.request<{ addTicketTier: { id: string } }>(
        'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
        { e: world.eventId, i: { name: 'General', priceCents: 2500, capacity: world.capacity } },
        token,
      );
      return addTicketTier.id;
    });
    const status = await whenAvailable(async () => {
      if ((await mine())?.status === 'ON_SALE') return 'ON_SALE';
      const { publishEvent } = await client.request<{ publishEvent: { status: string } }>(
        'mutation($e: ID!) { publishEvent(id: $e) { status } }',
        { e: world.eventId },
        token,
      );
      return publishEvent.status;
    });
    if (status !== 'ON_SALE') throw new Error(`status ${status}`);
    return `event ${world.eventId}`;
  });

  await check('browse: search finds the event with its tier on sale (fan)', async () => {
    const found = await eventually('search', async () => {
      const { events } = await client.request<{
        events: {
          edges: Array<{ node: { id: string; tiers: Array<{ id: string; available: number }> } }>;
        };
      }>(
        'query($f: EventFilter) { events(filter: $f, first: 5) { edges { node { id tiers { id available } } } } }',
        { f: { search: `Containers ${runId}` } },
        world.fan.token,
      );
      const node = events.edges.find((e) => e.node.id === world.eventId)?.node;
      if (!node) throw new Error('not in the results yet');
      return node;
    });
    const tier = found.tiers.find((t) => t.id === world.tierId);
    if (tier?.available !== world.capacity) throw new Error(`tier ${JSON.stringify(tier)}`);
  });

  await check(
    'buy two tickets and download the PDF (render-tickets Lambda container)',
    async () => {
      const idempotencyKey = randomUUID(); // the same for a retry: it must not buy twice
      const { purchaseTickets } = await whenAvailable(() =>
        client.request<{
          purchaseTickets: {
            id: string;
            status: string;
            tickets: Array<{ code: string }>;
            pdf: string | null;
          };
        }>(
          'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id status tickets { code } pdf } }',
          { i: { tierId: world.tierId, quantity: 2, idempotencyKey } },
          world.fan.token,
        ),
      );
      if (purchaseTickets.tickets.length !== 2)
        throw new Error(`${purchaseTickets.tickets.length} tickets`);
      const pdf = Buffer.from(purchaseTickets.pdf ?? '', 'base64');
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-' || pdf.length < 1000)
        throw new Error(`not a PDF (${pdf.length} bytes)`);
      world.orderId = purchaseTickets.id;
      world.codes = purchaseTickets.tickets.map((t) => t.code);
      world.sold = world.codes.length;
      return `order ${world.orderId} ${purchaseTickets.status}, PDF ${pdf.length} bytes`;
    },
  );

  await check(
    'chat: a message posted over HTTP arrives over the WebSocket at the router URL',
    async () => {
      world.message = await chatRoundTrip(client, wsUrl, world);
    },
  );
  return world;
}

/** Subscribes to messagePosted as the fan and posts until one of the posted messages arrives. */
async function chatRoundTrip(client: Client, wsUrl: string, world: World): Promise<string> {
  const ws = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${world.fan.token}` },
    lazy: false,
    // As the web client does: "try again later" (1013, a dependency slow or down; 1012, a
    // restart) is retried, anything else fails the check.
    retryAttempts: 5,
    shouldRetry: (event) => {
      const code = (event as { code?: unknown } | undefined)?.code;
      return code === 1013 || code === 1012;
    },
  });
  const posted: string[] = [];
  try {
    const received = new Promise<string>((resolve, reject) => {
      ws.subscribe<{ messagePosted: { body: string } }>(
        {
          query: 'subscription($e: ID!) { messagePosted(eventId: $e) { id body kind } }',
          variables: { e: world.eventId },
        },
        {
          next: (result) => {
            const body = result.data?.messagePosted.body;
            if (result.errors?.length)
              reject(new Error(result.errors.map((e) => e.message).join('; ')));
            else if (body && posted.includes(body)) resolve(body);
          },
          error: (error) =>
            reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => reject(new Error('the subscription completed without the message')),
        },
      );
    });
    // The subscription is registered asynchronously: post again until one comes back (a few
    // tries at most; the chat allows 10 messages per 10 seconds).
    for (let attempt = 1; attempt <= 8; attempt++) {
      const body = `hello from container run ${world.runId}, #${attempt}`;
      posted.push(body);
      await client.request(
        'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
        { e: world.eventId, b: body },
        world.organizer.token,
      );
      const got = await Promise.race([
        received,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000)),
      ]);
      if (got) return got;
    }
    throw new Error(`none of ${posted.length} posted messages arrived over the WebSocket`);
  } finally {
    await ws.dispose();
  }
}

/** What must still be there after a restart: accounts, the event, the order, the chat. */
export async function dataSurvived(client: Client, world: World, check: Check, after: string) {
  await check(
    `after ${after}: sign-in, the event, the order and the chat are all still there`,
    () =>
      eventually(after, async () => {
        const { login } = await client.request<{ login: { token: string } }>(LOGIN, {
          e: world.fan.email,
          p: world.password,
        });
        const data = await client.request<{
          me: { orders: Array<{ id: string; tickets: Array<{ code: string }> }> };
          event: {
            tiers: Array<{ id: string; available: number }>;
            messages: { edges: Array<{ node: { body: string } }> };
          };
        }>(
          'query($e: ID!) { me { orders { id tickets { code } } } event(id: $e) { tiers { id available } messages(first: 20) { edges { node { body } } } } }',
          { e: world.eventId },
          login.token,
        );
        const order = data.me.orders.find((o) => o.id === world.orderId);
        const codes = order?.tickets.map((t) => t.code).sort() ?? [];
        if (JSON.stringify(codes) !== JSON.stringify([...world.codes].sort()))
          throw new Error(`order ${world.orderId}: ${JSON.stringify(order)}`);
        const tier = data.event.tiers.find((t) => t.id === world.tierId);
        if (tier?.available !== world.capacity - world.sold)
          throw new Error(`tier ${JSON.stringify(tier)}`);
        if (!data.event.messages.edges.some((e) => e.node.body === world.message))
          throw new Error('the chat message is gone');
      }),
  );
  // One key for every try: a retry after a lost answer must not buy twice.
  const idempotencyKey = randomUUID();
  await check(`after ${after}: a new purchase goes through`, () =>
    eventually(after, async () => {
      const { purchaseTickets } = await client.request<{
        purchaseTickets: { tickets: Array<{ code: string }> };
      }>(
        'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { tickets { code } } }',
        { i: { tierId: world.tierId, quantity: 1, idempotencyKey } },
        world.fan.token,
      );
      if (purchaseTickets.tickets.length !== 1) throw new Error('no ticket');
      world.sold += 1;
    }),
  );
}
