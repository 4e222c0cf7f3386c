import { DomainError, type EventStatus } from '@ko/platform';

/** Why a sale is refused, said one way wherever it is found out. */

/** The event was cancelled: nothing of it is sold (or added) any more. */
export const eventCancelled = () =>
  new DomainError('CONFLICT', 'This event was cancelled; its tickets are no longer sold.', {
    eventStatus: 'CANCELLED' satisfies EventStatus,
  });

/** The event is not on sale: cancelled, or still a draft (or one the caller may not see). */
export const notOnSale = (status: EventStatus) =>
  status === 'CANCELLED'
    ? eventCancelled()
    : new DomainError('CONFLICT', 'Tickets for this event are not on sale yet.', {
        eventStatus: 'DRAFT' satisfies EventStatus,
      });

/** SOLD_OUT, saying how many places are left. */
export const soldOut = (tier: { id: string; name: string }, available: number) =>
  new DomainError(
    'SOLD_OUT',
    available === 0
      ? `${tier.name} is sold out.`
      : `Only ${available} ${tier.name} tickets are left.`,
    { tierId: tier.id, available },
  );
