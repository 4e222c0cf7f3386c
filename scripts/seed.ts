// Demo data, created through the public API like any client would, so it obeys every rule.
// Idempotent: accounts are reused and an organizer who already has events is left alone.
import { graphql, type GraphQLResult } from '@ko/platform/testing';

export const DEMO_PASSWORD = 'ko-demo-2026';

export const DEMO_ORGANIZERS = [
  { name: 'Aurora Live', email: 'aurora@organizers.test', categories: ['Music', 'Festival'] },
  { name: 'Northside Sports', email: 'northside@organizers.test', categories: ['Sports'] },
  {
    name: 'Harbour Theatre Company',
    email: 'harbour@organizers.test',
    categories: ['Theatre', 'Comedy'],
  },
  { name: 'Summit Conferences', email: 'summit@organizers.test', categories: ['Conference'] },
] as const;

export const DEMO_FAN = { name: 'Fran Fan', email: 'fan@fans.test' };

// City, venue, the venue's time zone (its events happen in it), its address and currency.
const CITIES = [
  ['Lisbon', 'Coliseu dos Recreios', 'Europe/Lisbon', 'Rua das Portas de Santo Antão 96', 'EUR'],
  ['Berlin', 'Columbiahalle', 'Europe/Berlin', 'Columbiadamm 13-21', 'EUR'],
  ['Amsterdam', 'Paradiso', 'Europe/Amsterdam', 'Weteringschans 6-8', 'EUR'],
  ['London', 'Roundhouse', 'Europe/London', 'Chalk Farm Road', 'GBP'],
  ['Paris', "L'Olympia", 'Europe/Paris', '28 Boulevard des Capucines', 'EUR'],
  ['Madrid', 'WiZink Center', 'Europe/Madrid', 'Avenida Felipe II', 'EUR'],
  ['Dublin', 'Vicar Street', 'Europe/Dublin', '58-59 Thomas Street', 'EUR'],
  ['Vienna', 'Gasometer', 'Europe/Vienna', 'Guglgasse 6', 'EUR'],
] as const;

const TITLES: Record<string, string[]> = {
  Music: [
    'Midnight Synth Orchestra',
    'The Velvet Echoes',
    'Jazz at the Harbour',
    'Indie Night Live',
    'Symphony of Lights',
  ],
  Festival: ['Summer Sound Festival', 'Electric Garden Weekender', 'Folk & Fire Gathering'],
  Sports: [
    'City Derby',
    'Basketball Cup Final',
    'Marathon Expo',
    'Ice Hockey Showdown',
    'Tennis Masters Day',
  ],
  Theatre: [
    'Hamlet Reimagined',
    'The Glass Menagerie',
    'A Midsummer Night',
    'Les Misérables in Concert',
  ],
  Comedy: ['Stand-up Saturdays', 'Improv Jam', 'Late Laughs'],
  Conference: [
    'TypeScript Summit',
    'Cloud Native Days',
    'Data & AI Forum',
    'Product Leaders Meetup',
  ],
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped API responses

async function call(url: string, query: string, variables: Json, token?: string): Promise<Json> {
  const result: GraphQLResult<Json> = await graphql<Json>(url, query, variables, token);
  if (result.errors?.length) {
    throw Object.assign(new Error(`seed: ${result.errors.map((e) => e.message).join('; ')}`), {
      codes: result.errors.map((e) => e.extensions?.code),
    });
  }
  return result.data!;
}

/** Signs in, or registers first when the account does not exist yet. */
export async function demoAccount(
  url: string,
  who: { name: string; email: string },
  role: 'FAN' | 'ORGANIZER',
): Promise<{ token: string; id: string }> {
  try {
    const data = await call(
      url,
      'mutation($e:String!,$p:String!){login(email:$e,password:$p){token user{id}}}',
      { e: who.email, p: DEMO_PASSWORD },
    );
    return { token: data.login.token, id: data.login.user.id };
  } catch {
    const data = await call(
      url,
      'mutation($i:RegisterInput!){register(input:$i){token user{id}}}',
      { i: { email: who.email, password: DEMO_PASSWORD, name: who.name, role } },
    );
    return { token: data.register.token, id: data.register.user.id };
  }
}

/** Tiers for a seeded event, when the tickets subgraph is part of the graph. */
const TIERS = [
  { name: 'General Admission', priceCents: 4500, capacity: 400 },
  { name: 'VIP', priceCents: 12000, capacity: 50 },
];

async function addTiers(url: string, token: string, eventId: string): Promise<void> {
  for (const tier of TIERS) {
    await call(
      url,
      'mutation($e:ID!,$t:TicketTierInput!){addTicketTier(eventId:$e,input:$t){id}}',
      { e: eventId, t: tier },
      token,
    );
  }
}

/** Events seeded before the tickets service existed get their tiers now. */
async function completeTiers(url: string, token: string): Promise<number> {
  const data = await call(url, '{me{organizedEvents{id status tiers{id}}}}', {}, token);
  const bare = (
    data.me.organizedEvents as Array<{ id: string; status: string; tiers: unknown[] | null }>
  ).filter((e) => e.status !== 'CANCELLED' && e.tiers !== null && e.tiers.length === 0);
  for (const event of bare) await addTiers(url, token, event.id);
  return bare.length;
}

export async function seed(
  url: string,
  log: (message: string) => void,
  options: { withTiers: boolean; withChat: boolean },
): Promise<number> {
  const day = 24 * 3600 * 1000;
  const start = new Date();
  start.setUTCHours(19, 30, 0, 0);
  let created = 0;
  let index = 0;
  for (const organizer of DEMO_ORGANIZERS) {
    const { token } = await demoAccount(url, organizer, 'ORGANIZER');
    const existing = await call(url, '{me{organizedEvents{id}}}', {}, token);
    const count = (existing.me?.organizedEvents?.length as number | undefined) ?? 0;
    if (options.withTiers) created += await completeTiers(url, token);
    const plan = organizer.categories.flatMap((category) =>
      TITLES[category].map((title) => ({ category, title })),
    );
    // 15 events per organizer: 60 in all, spread over the coming six months.
    const wanted = Array.from({ length: 15 }, (_, i) => plan[i % plan.length]);
    if (count >= wanted.length) {
      index += wanted.length;
      continue;
    }
    for (const [i, item] of wanted.entries()) {
      index++;
      if (i < count) continue;
      const [city, venue, timeZone, address, currency] = CITIES[(index * 3) % CITIES.length];
      const edition = Math.floor(i / plan.length) + 1;
      const startsAt = new Date(start.getTime() + (2 + index * 3) * day);
      const data = await call(
        url,
        'mutation($i:CreateEventInput!){createEvent(input:$i){id}}',
        {
          i: {
            title: edition > 1 ? `${item.title} ${city} ${edition}` : `${item.title} ${city}`,
            description: `${item.title} comes to ${venue} in ${city}. A ${item.category.toLowerCase()} night presented by ${organizer.name}.`,
            category: item.category,
            venue,
            city,
            startsAt: startsAt.toISOString(),
            timeZone,
            address,
            currency,
          },
        },
        token,
      );
      const eventId = data.createEvent.id as string;
      if (options.withTiers) await addTiers(url, token, eventId);
      // Every fifth event stays a draft, so organizers see one on their dashboard.
      if (index % 5 !== 0) {
        await call(url, 'mutation($id:ID!){publishEvent(id:$id){id}}', { id: eventId }, token);
        if (options.withChat) {
          await call(
            url,
            'mutation($e:ID!,$b:String!){postAnnouncement(eventId:$e,body:$b){id}}',
            {
              e: eventId,
              b: `Welcome! Doors open one hour before the show. See you at ${item.title}.`,
            },
            token,
          );
        }
      }
      created++;
    }
  }
  await demoAccount(url, DEMO_FAN, 'FAN');
  log(
    created > 0 ? `demo data: ${created} events created or completed` : 'demo data already present',
  );
  return created;
}
