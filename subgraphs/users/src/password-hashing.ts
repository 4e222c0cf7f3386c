import { availableParallelism } from 'node:os';
import * as argon2 from 'argon2';
import { ConcurrencyLimit } from '@ko/platform/concurrency-limit';

/** OWASP's argon2id baseline: 19 MiB of memory, 2 passes, 1 lane. */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * argon2id hashing and verification, at most one per core at a time. Each one holds 19 MiB and
 * a full core for its duration; more at once (libuv runs four) only queue for the CPU while
 * holding their memory, so a burst of sign-ups or sign-ins would multiply the service's memory
 * without finishing any sooner.
 */
export class PasswordHasher {
  private readonly limit: ConcurrencyLimit;

  constructor(concurrency = availableParallelism()) {
    this.limit = new ConcurrencyLimit(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.limit.run(() => argon2.hash(password, HASH_OPTIONS));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.limit.run(() => argon2.verify(hash, password));
  }
}
