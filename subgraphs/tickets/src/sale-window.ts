import { DomainError, badInput } from '@ko/platform';

/**
 * A tier's sale window (`salesStartAt`, `salesEndAt`, either open-ended when null): outside it
 * the tier is neither held nor bought. The rule is a condition of the conditional UPDATE that
 * takes places (see tier-places), so it is decided by the database clock under the tier's row
 * lock, the same for every instance, whatever the caller read a moment before.
 */
export const IN_SALE_WINDOW = `(sales_start_at IS NULL OR sales_start_at <= statement_timestamp())
     AND (sales_end_at IS NULL OR statement_timestamp() < sales_end_at)`;

export interface SaleWindow {
  salesStartAt: Date | null;
  salesEndAt: Date | null;
}

/** Whether `at` falls in the window (for an early refusal; the UPDATE decides). */
export const inWindow = (window: SaleWindow, at = new Date()) =>
  (!window.salesStartAt || window.salesStartAt <= at) &&
  (!window.salesEndAt || at < window.salesEndAt);

/** NOT_ON_SALE, with the window in extensions so a client can count down to it. */
export function notInWindow(
  tier: { id: string; name: string },
  window: SaleWindow,
  at = new Date(),
): DomainError {
  const { salesStartAt: start, salesEndAt: end } = window;
  const message =
    start && at < start
      ? `${tier.name} goes on sale at ${start.toISOString()}.`
      : `The sale of ${tier.name} ended at ${end?.toISOString() ?? 'its end'}.`;
  return new DomainError('NOT_ON_SALE', message, {
    tierId: tier.id,
    salesStartAt: start?.toISOString() ?? null,
    salesEndAt: end?.toISOString() ?? null,
  });
}

/** Parses a window from input; BAD_USER_INPUT when its end is not after its start. */
export function checkWindow(input: {
  salesStartAt?: Date | string | null;
  salesEndAt?: Date | string | null;
}): { salesStartAt: Date | null; salesEndAt: Date | null } {
  const at = (value: Date | string | null | undefined, field: string) => {
    if (value == null) return null;
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) throw badInput(`${field} is not a date.`, { field });
    return date;
  };
  const salesStartAt = at(input.salesStartAt, 'salesStartAt');
  const salesEndAt = at(input.salesEndAt, 'salesEndAt');
  if (salesStartAt && salesEndAt && salesEndAt <= salesStartAt)
    throw badInput('The sale must end after it starts.', { field: 'salesEndAt' });
  return { salesStartAt, salesEndAt };
}
