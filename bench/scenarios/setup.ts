/**
 * The bench's data, created through the router like any client would (no row is written to a
 * database directly): organizers, 5,000 fans (password hashing at production cost, which is
 * why this is timed apart from the scenarios), a browse catalogue, and the rush and chat events.
 */
import { randomBytes } from 'node:crypto';
import { GraphQLHttp, inParallel } from '../lib/load';
import { nowMs, round } from '../lib/stats';

export interface Account {
  id: string;
  token: string;
  name: string;
}

export interface Catalogue {
  organizers: Account[];
  fans: Account[];
  browseEventIds: string[];
  rush: { eventId: string; tierId: string; capacity: number };
  warmUp: { eventId: string; tierId: string };
  chatEventId: string;
  /** How long each part of the setup took, in seconds. */
  timings: Record<string, number>;
}

export interface SetupOptions {
  routerUrl: string;
  fans: number;
  rushCapacity: number;
  /** Registrations in flight at once. */
  registrationParallelism: number;
  browseEvents: number;
  log: (message: string) => void;
}

const PASSWORD = 'bench-password-2026';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Data of a request that must succeed, else an error naming what failed. */
export async function ok(
  client: GraphQLHttp,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped API responses
): Promise<Record<string, any>> {
  const answer = await client.post(JSON.stringify({ query, variables }), token);
  if (answer.failure || answer.body?.errors?.length || !answer.body?.data)
    throw new Error(
      `bench setup: ${answer.failure ?? JSON.stringify(answer.body?.errors)} (${query.slice(0, 60)})`,
    );
  return answer.body.data;
}

const REGISTER =
  'mutation Register($i: RegisterInput!) { register(input: $i) { token user { id name } } }';

async function register(
  client: GraphQLHttp,
  run: string,
  role: 'FAN' | 'ORGANIZER',
  n: number,
): Promise<Account> {
  const name = role === 'FAN' ? `Bench Fan ${n}` : `Bench Organizer ${n}`;
  const variables = {
    i: { email: `${role.toLowerCase()}-${n}-${run}@bench.test`, password: PASSWORD, name, role },
  };
  // Set-up, not measured: a sign-up refused by an overloaded machine is tried again, twice.
  for (let attempt = 1; ; attempt++) {
    try {
      const data = await ok(client, REGISTER, variables);
      return { id: data.register.user.id, token: data.register.token, name };
    } catch (error) {
      if (attempt === 3 || !String(error).includes('SERVICE_UNAVAILABLE')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
    }
  }
}

/** An event created, given its tiers and published by its organizer, through the router. */
export async function publishedEvent(
  client: GraphQLHttp,
  organizer: Account,
  input: { title: string; category: string; city: string; venue: string; inDays: number },
  tiers: Array<{ name: string; priceCents: number; capacity: number; salesStartAt?: string }>,
): Promise<{ id: string; tierIds: string[] }> {
  const created = await ok(
    client,
    'mutation Create($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: input.title,
        description: `${input.title}: a benchmark event.`,
        category: input.category,
        venue: input.venue,
        city: input.city,
        startsAt: inDays(input.inDays),
      },
    },
    organizer.token,
  );
  const id = created.createEvent.id as string;
  const tierIds: string[] = [];
  for (const tier of tiers) {
    const added = await ok(
      client,
      'mutation AddTier($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
      { e: id, i: tier },
      organizer.token,
    );
    tierIds.push(added.addTicketTier.id as string);
  }
  await ok(
    client,
    'mutation Publish($id: ID!) { publishEvent(id: $id) { id } }',
    { id },
    organizer.token,
  );
  return { id, tierIds };
}

const CITIES = ['Lisbon', 'Berlin', 'Amsterdam', 'London', 'Paris', 'Madrid', 'Dublin', 'Vienna'];
const CATEGORIES = ['Music', 'Sports', 'Theatre', 'Conference'];

export async function createCatalogue(options: SetupOptions): Promise<Catalogue> {
  const client = new GraphQLHttp(options.routerUrl, options.registrationParallelism);
  const run = randomBytes(3).toString('hex');
  const timings: Record<string, number> = {};
  try {
    let t0 = nowMs();
    const organizers = await inParallel([0, 1, 2, 3], 4, (n) =>
      register(client, run, 'ORGANIZER', n),
    );
    let done = 0;
    const fans = await inParallel(
      Array.from({ length: options.fans }, (_, i) => i),
      options.registrationParallelism,
      async (n) => {
        const fan = await register(client, run, 'FAN', n);
        if (++done % 1_000 === 0) options.log(`  ${done} of ${options.fans} fans registered`);
        return fan;
      },
    );
    timings.registerAccounts = round((nowMs() - t0) / 1000, 1);
    options.log(
      `registered ${organizers.length} organizers and ${fans.length} fans in ${timings.registerAccounts} s ` +
        `(${round((organizers.length + fans.length) / timings.registerAccounts, 1)}/s, ${options.registrationParallelism} at a time)`,
    );

    t0 = nowMs();
    // The browse page: events with three tiers each, and two announcements from their organizer.
    const browseEventIds = await inParallel(
      Array.from({ length: options.browseEvents }, (_, i) => i),
      8,
      async (i) => {
        const organizer = organizers[i % organizers.length];
        const event = await publishedEvent(
          client,
          organizer,
          {
            title: `Bench ${CATEGORIES[i % CATEGORIES.length]} Night ${i + 1}`,
            category: CATEGORIES[i % CATEGORIES.length],
            city: CITIES[i % CITIES.length],
            venue: `Hall ${(i % 5) + 1}`,
            inDays: 10 + i,
          },
          [
            { name: 'Standing', priceCents: 3_500, capacity: 500 },
            { name: 'Seated', priceCents: 6_000, capacity: 300 },
            { name: 'VIP', priceCents: 15_000, capacity: 50 },
          ],
        );
        for (const body of ['Doors open at 19:00.', 'The support act starts at 19:45.'])
          await ok(
            client,
            'mutation Announce($e: ID!, $b: String!) { postAnnouncement(eventId: $e, body: $b) { id } }',
            { e: event.id, b: body },
            organizer.token,
          );
        return event.id;
      },
    );
    const rushEvent = await publishedEvent(
      client,
      organizers[0],
      {
        title: 'Bench On-Sale Rush',
        category: 'Music',
        city: 'Lisbon',
        venue: 'Arena',
        inDays: 200,
      },
      [{ name: 'General Admission', priceCents: 5_000, capacity: options.rushCapacity }],
    );
    const warmUpEvent = await publishedEvent(
      client,
      organizers[1],
      { title: 'Bench Warm-up', category: 'Music', city: 'Porto', venue: 'Club', inDays: 201 },
      [{ name: 'Warm-up', priceCents: 1_000, capacity: 1_000 }],
    );
    const chatEvent = await publishedEvent(
      client,
      organizers[2],
      {
        title: 'Bench Live Chat',
        category: 'Sports',
        city: 'Dublin',
        venue: 'Stadium',
        inDays: 202,
      },
      [{ name: 'Terrace', priceCents: 2_000, capacity: 100 }],
    );
    timings.createEvents = round((nowMs() - t0) / 1000, 1);
    options.log(
      `created ${browseEventIds.length + 3} published events in ${timings.createEvents} s`,
    );
    return {
      organizers,
      fans,
      browseEventIds,
      rush: { eventId: rushEvent.id, tierId: rushEvent.tierIds[0], capacity: options.rushCapacity },
      warmUp: { eventId: warmUpEvent.id, tierId: warmUpEvent.tierIds[0] },
      chatEventId: chatEvent.id,
      timings,
    };
  } finally {
    client.close();
  }
}
