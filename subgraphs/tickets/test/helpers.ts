import { randomUUID } from 'node:crypto';
import { graphql, type GraphQLResult } from '@ko/platform/testing';

// Test helpers that go through the gateway exactly as a client would.

export const ADD_TIER = `mutation AddTier($eventId: ID!, $input: TicketTierInput!) {
  addTicketTier(eventId: $eventId, input: $input) { id name priceCents capacity available event { id title } }
}`;
export const PURCHASE = `mutation Purchase($input: PurchaseInput!) {
  purchaseTickets(input: $input) { id status totalCents createdAt tickets { id code status tier { id name } } }
}`;
export const RESERVE = `mutation Reserve($input: ReserveInput!) {
  reserveTickets(input: $input) { id quantity expiresAt status tier { id available } }
}`;
export const CHECKOUT = `mutation Checkout($holdId: ID!, $key: String!) {
  checkout(holdId: $holdId, idempotencyKey: $key) { id status totalCents tickets { id code status } }
}`;
export const CHECK_IN =
  'mutation CheckIn($code: String!) { checkInTicket(code: $code) { id status tier { name } owner { id } } }';
export const TIERS =
  'query Tiers($id: ID!) { event(id: $id) { id status tiers { id name capacity available } } }';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
type Data = Record<string, any>;

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

export class Client {
  constructor(readonly url: string) {}

  /** Registers an account; returns its token and id. */
  async account(
    role: 'FAN' | 'ORGANIZER',
    name = role === 'FAN' ? 'Fiona Fan' : 'Olga Organizer',
  ): Promise<{ token: string; id: string }> {
    const result = await graphql(
      this.url,
      'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }',
      {
        i: {
          email: `${role.toLowerCase()}-${randomUUID()}@example.com`,
          password: 'password-123',
          name,
          role,
        },
      },
    );
    if (!result.data?.register)
      throw new Error(`register failed: ${JSON.stringify(result.errors)}`);
    return { token: result.data.register.token, id: result.data.register.user.id };
  }

  /** A new event (a draft unless `publish`), with the given tiers added while it is a draft. */
  async event(
    token: string,
    tiers: Array<{ name: string; priceCents: number; capacity: number }>,
    options: {
      publish?: boolean;
      title?: string;
      startsAt?: string;
      timeZone?: string;
      currency?: string;
      address?: string;
    } = {},
  ): Promise<{ id: string; tiers: Array<{ id: string; name: string }> }> {
    const created = await this.ok(
      'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
      {
        i: {
          title: options.title ?? 'Night at the Arena',
          description: 'Loud and late.',
          category: 'Music',
          venue: 'The Arena',
          city: 'Lisbon',
          startsAt: options.startsAt ?? inDays(40),
          timeZone: options.timeZone,
          currency: options.currency,
          address: options.address,
        },
      },
      token,
    );
    const id = created.createEvent.id as string;
    const added = [];
    for (const tier of tiers)
      added.push((await this.ok(ADD_TIER, { eventId: id, input: tier }, token)).addTicketTier);
    if (options.publish ?? true)
      await this.ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, token);
    return { id, tiers: added };
  }

  /** Data of a request that must succeed. */
  async ok(query: string, variables: Record<string, unknown>, token?: string): Promise<Data> {
    const result = await graphql(this.url, query, variables, token);
    if (result.errors?.length || !result.data)
      throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  purchase(
    token: string,
    tierId: string,
    quantity: number,
    idempotencyKey: string = randomUUID(),
  ): Promise<GraphQLResult> {
    return graphql(this.url, PURCHASE, { input: { tierId, quantity, idempotencyKey } }, token);
  }
}

/** Polls `probe` until it returns a value for which `done` holds, for at most `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await probe();
  }
  return value;
}
