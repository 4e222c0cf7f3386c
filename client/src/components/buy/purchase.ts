// The purchase flow's GraphQL operations, its steps, and the small helpers BuyPanel uses.
import { useEffect, useState } from 'react';
import { graphql } from '../../gql';
import type { CheckoutMutation } from '../../gql/graphql';
import { formatDateTime } from '../../lib/format';

/** The most tickets one purchase may take (the platform's limit per order). */
export const MAX_PER_ORDER = 8;

export const ReserveDocument = graphql(`
  mutation Reserve($input: ReserveInput!) {
    reserveTickets(input: $input) {
      id
      expiresAt
    }
  }
`);

/** The fan's active holds: one on this event's tiers is resumed after a reload or sign-in. */
export const MyHoldsDocument = graphql(`
  query MyHolds {
    me {
      id
      holds {
        id
        quantity
        expiresAt
        tier {
          id
        }
      }
    }
  }
`);

/** What a fan chose before being sent to sign in, kept for their way back (this tab only). */
export const choiceKey = (eventId: string) => `ko.choice.${eventId}`;

export function savedChoice(eventId: string): { tierId?: string; quantity?: number } {
  try {
    return JSON.parse(sessionStorage.getItem(choiceKey(eventId)) ?? '{}') as {
      tierId?: string;
      quantity?: number;
    };
  } catch {
    return {};
  }
}

export const ReleaseHoldDocument = graphql(`
  mutation ReleaseHold($holdId: ID!) {
    releaseHold(holdId: $holdId) {
      id
      status
    }
  }
`);

export const CheckoutDocument = graphql(`
  mutation Checkout($holdId: ID!, $idempotencyKey: String!) {
    checkout(holdId: $holdId, idempotencyKey: $idempotencyKey) {
      id
      number
      status
      totalCents
      createdAt
      tickets {
        id
      }
    }
  }
`);

export interface Tier {
  id: string;
  name: string;
  priceCents: number;
  capacity: number;
  available: number;
  /** When its sale opens, while that is still ahead (eventUpdated opens it then). */
  opensAt?: string | null;
  /** Its sale window has closed. */
  saleEnded?: boolean;
}

export type Order = CheckoutMutation['checkout'];

export type Step =
  | { kind: 'choose' }
  /** Tickets set aside until expiresAt; the idempotency key is this attempt's, reused on retry. */
  | {
      kind: 'held';
      holdId: string;
      expiresAt: string;
      tier: Tier;
      quantity: number;
      idempotencyKey: string;
    }
  | { kind: 'expired' }
  | { kind: 'confirmed'; order: Order; tier: Tier; quantity: number };

export function useNow(active: boolean, intervalMs = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

/** "Only N left" once a tier has sold some and few remain; a fresh small tier is just "N left". */
export function availabilityLabel(
  tier: Pick<Tier, 'available' | 'capacity' | 'opensAt' | 'saleEnded'>,
): string {
  if (tier.opensAt) return `On sale ${formatDateTime(tier.opensAt)}`;
  if (tier.saleEnded) return 'Sale ended';
  if (tier.available === 0) return 'Sold out';
  return isLow(tier) ? `Only ${tier.available} left` : `${tier.available} left`;
}

export const isLow = (tier: Pick<Tier, 'available' | 'capacity'>) =>
  tier.available > 0 && tier.available <= 10 && tier.available < tier.capacity;
