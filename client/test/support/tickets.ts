import { call, type E2E } from './e2e';
import type { Account } from './fixtures';

// What the tickets service says, straight from the subgraph rather than from a page.

export interface OwnedTicket {
  id: string;
  code: string;
  status: string;
  tier: { name: string };
  event: { id: string };
}

/** The tickets a user owns. */
export async function ticketsOf(e2e: E2E, account: Account): Promise<OwnedTicket[]> {
  const data = await call<{ _entities: Array<{ tickets: OwnedTicket[] }> }>(
    e2e.stack.urls.tickets!,
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { tickets { id code status tier { name } event { id } } } } }',
    { r: [{ __typename: 'User', id: account.id }] },
    account.token,
  );
  return data._entities[0]!.tickets;
}

/** Places left per tier name of an event. */
export async function tierAvailability(e2e: E2E, eventId: string): Promise<Record<string, number>> {
  const data = await call<{
    _entities: Array<{ tiers: Array<{ name: string; available: number }> }>;
  }>(
    e2e.stack.urls.tickets!,
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { tiers { name available } } } }',
    { r: [{ __typename: 'Event', id: eventId }] },
  );
  return Object.fromEntries(data._entities[0]!.tiers.map((t) => [t.name, t.available]));
}
