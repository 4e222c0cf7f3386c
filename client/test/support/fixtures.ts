// Test data set up straight at the subgraphs (the router, in trusted-documents mode, runs only
// the web client's own operations).
import type { Stack } from '@ko/platform/testing';
import { call, startE2E, type E2E } from './e2e';

export interface Account {
  id: string;
  token: string;
  email: string;
  name: string;
  password: string;
}

export async function registerAccount(
  stack: Stack,
  input: { email: string; name: string; role: 'FAN' | 'ORGANIZER'; password?: string },
): Promise<Account> {
  const password = input.password ?? 'correct horse battery';
  const data = await call<{ register: { token: string; user: { id: string } } }>(
    stack.urls.users!,
    'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }',
    { i: { ...input, password } },
  );
  return {
    id: data.register.user.id,
    token: data.register.token,
    email: input.email,
    name: input.name,
    password,
  };
}

export interface EventSpec {
  title: string;
  category?: string;
  city?: string;
  venue?: string;
  description?: string;
  startsAt?: string;
  /** IANA zone of the venue; the API's default (UTC) when not given. */
  timeZone?: string;
  currency?: string;
  address?: string;
  tiers?: Array<{ name: string; priceCents: number; capacity: number; salesStartAt?: string }>;
  publish?: boolean;
}

export async function createEvent(
  stack: Stack,
  organizer: Account,
  spec: EventSpec,
): Promise<{ id: string; tierIds: string[] }> {
  const { createEvent } = await call<{ createEvent: { id: string } }>(
    stack.urls.events!,
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: spec.title,
        description: spec.description ?? `${spec.title}: a night to remember.`,
        category: spec.category ?? 'Music',
        venue: spec.venue ?? 'Coliseu',
        city: spec.city ?? 'Porto',
        startsAt: spec.startsAt ?? new Date(Date.now() + 30 * 86_400_000).toISOString(),
        timeZone: spec.timeZone,
        currency: spec.currency,
        address: spec.address,
      },
    },
    organizer.token,
  );
  const tierIds: string[] = [];
  for (const tier of spec.tiers ?? []) {
    const { addTicketTier } = await call<{ addTicketTier: { id: string } }>(
      stack.urls.tickets!,
      'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
      { e: createEvent.id, t: tier },
      organizer.token,
    );
    tierIds.push(addTicketTier.id);
  }
  if (spec.publish !== false) {
    await call(
      stack.urls.events!,
      'mutation($id: ID!) { publishEvent(id: $id) { id } }',
      { id: createEvent.id },
      organizer.token,
    );
  }
  return { id: createEvent.id, tierIds };
}

/**
 * The fan-facing suites' set-up, registered as their hooks: before their tests, the stack with
 * every service and the organizer whose events they show; after them, the stack stopped. Read
 * `e2e` and `organizer` in tests and hooks, once the suite's beforeAll has set them.
 */
export function organizerSuite(): { e2e: E2E; organizer: Account } {
  const suite = {} as { e2e: E2E; organizer: Account };
  beforeAll(async () => {
    suite.e2e = await startE2E();
    suite.organizer = await registerAccount(suite.e2e.stack, {
      email: 'aurora@organizers.test',
      name: 'Aurora Live',
      role: 'ORGANIZER',
    });
  }, 300_000);
  afterAll(async () => {
    await suite.e2e?.stop();
  });
  return suite;
}

/** An event as the events subgraph shows it to whoever `token` signs in (null when hidden). */
export async function readEvent(
  stack: Stack,
  id: string,
  token?: string,
): Promise<Record<string, unknown> | null> {
  const data = await call<{ event: Record<string, unknown> | null }>(
    stack.urls.events!,
    'query($id: ID!) { event(id: $id) { title venue city address timeZone startsAt status } }',
    { id },
    token,
  );
  return data.event;
}
