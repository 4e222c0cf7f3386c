import { createHash } from 'node:crypto';
import { badInput, conflict } from '@ko/platform';
import type { Order } from './entities/order';

/** Idempotency: a retried purchase or checkout with its key returns the order it made. */

export const MAX_IDEMPOTENCY_KEY = 200;

export function checkKey(key: string): string {
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
    throw badInput(`The idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters long.`, {
      field: 'idempotencyKey',
    });
  }
  return key;
}

/** What a request asked, hashed: stored with its order so a reused key can be told apart. */
export const fingerprintOf = (...parts: Array<string | number>) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/** The order already made under a key: returned for the same request, a CONFLICT for another. */
export function sameRequest(order: Order, fingerprint: string): Order {
  if (order.requestFingerprint !== fingerprint) {
    throw conflict(
      'This idempotency key was already used for a different request; use a new key for a new purchase.',
      { field: 'idempotencyKey', orderId: order.id },
    );
  }
  return order;
}
