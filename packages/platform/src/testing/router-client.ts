import { randomUUID } from 'node:crypto';
import { graphql, type GraphQLResult } from './client';

// The shared fixtures of the integration suites: accounts, events with tiers, purchases, all
// made through the router exactly as a client would. Suites add only what is their own.

export const ADD_TIER = `mutation AddTier($eventId: ID!, $input: TicketTierInput!) {
  addTicketTier(eventId: $eventId, input: $input) { id name priceCents capacity available event { id title } }
}`;
export const PURCHASE = `mutation Purchase($input: PurchaseInput!) {
  purchaseTickets(input: $input) { id status totalCents createdAt tickets { id code status tier { id name } } }
}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
type Data = Record<string, any>;

export type Role = 'FAN' | 'ORGANIZER';

export interface TestAccount {
  token: string;
  id: string;
  email: string;
}

/** What `createEvent` takes; every field has a plausible default. */
export interface EventDetails {
  title: string;
  description: string;
  category: string;
  venue: string;
  city: string;
  startsAt: string;
  timeZone?: string;
  currency?: string;
  address?: string;
}

export interface TierInput {
  name: string;
  priceCents: number;
  capacity: number;
}

/** `days` from now, as the API's DateTime. */
export const inDays = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString();

export class RouterClient {
  constructor(readonly url: string) {}

  /** Registers an account (a fresh address unless `email` is given); its token, id and address. */
  async account(
    role: Role,
    name = role === 'FAN' ? 'Fiona Fan' : 'Olga Organizer',
    options: { email?: string; password?: string } = {},
  ): Promise<TestAccount> {
    const email = options.email ?? `${role.toLowerCase()}-${randomUUID()}@example.com`;
    const result = await graphql(
      this.url,
      'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }',
      { i: { email, password: options.password ?? 'password-123', name, role } },
    );
    if (!result.data?.register)
      throw new Error(`register failed: ${JSON.stringify(result.errors)}`);
    return { token: result.data.register.token, id: result.data.register.user.id, email };
  }

  /**
   * A new event, published unless `publish: false` (`status: 'CANCELLED'` cancels it after),
   * with the given tiers added while it is a draft.
   */
  async event(
    token: string,
    tiers: TierInput[] = [],
    options: Partial<EventDetails> & { publish?: boolean; status?: 'CANCELLED' } = {},
  ): Promise<{ id: string; tiers: Array<{ id: string; name: string }> }> {
    const { publish = true, status, ...details } = options;
    const created = await this.ok(
      'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
      {
        i: {
          title: 'Night at the Arena',
          description: 'Loud and late.',
          category: 'Music',
          venue: 'The Arena',
          city: 'Lisbon',
          startsAt: inDays(40),
          ...details,
        },
      },
      token,
    );
    const id = created.createEvent.id as string;
    const added = [];
    for (const tier of tiers)
      added.push((await this.ok(ADD_TIER, { eventId: id, input: tier }, token)).addTicketTier);
    if (publish)
      await this.ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, token);
    if (status === 'CANCELLED')
      await this.ok('mutation($id: ID!) { cancelEvent(id: $id) { id } }', { id }, token);
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
