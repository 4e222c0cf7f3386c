import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { consumeOrThrow, createRateLimiter, rateLimited, RateLimiterRes } from '@ko/platform';

export interface SignInLimits {
  /** Attempts per account per window before it locks. */
  attemptsPerAccount: number;
  /** Attempts per network address per window (credential stuffing across accounts). */
  attemptsPerAddress: number;
  windowSeconds: number;
  /** First lock-out; each further one in a day doubles it, up to `maxLockoutSeconds`. */
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

const TABLE = 'sign_in_limits';

/**
 * Throttles password sign-in per account and per address. Attempts are counted before the
 * password is checked, so concurrent guesses cannot slip past the limit, and a lock-out holds
 * even for the right password. Unknown emails are throttled exactly like known ones, so the
 * answers reveal nothing about which accounts exist. A successful sign-in clears the account's
 * count.
 */
export class SignInGuard {
  private readonly perAccount;
  private readonly perAddress;
  private readonly lockouts;

  constructor(
    db: DataSource,
    private readonly limits: SignInLimits,
  ) {
    this.perAccount = createRateLimiter(db, {
      table: TABLE,
      keyPrefix: 'account',
      points: limits.attemptsPerAccount,
      durationSeconds: limits.windowSeconds,
    });
    this.perAddress = createRateLimiter(db, {
      table: TABLE,
      keyPrefix: 'address',
      points: limits.attemptsPerAddress,
      durationSeconds: limits.windowSeconds,
    });
    this.lockouts = createRateLimiter(db, {
      table: TABLE,
      keyPrefix: 'lockouts',
      points: 1_000,
      durationSeconds: 24 * 3600,
    });
  }

  async attempt<T>(email: string, address: string, signIn: () => Promise<T>): Promise<T> {
    // Keys are hashed: any length of input fits the store, and no email is kept there.
    const account = createHash('sha256').update(email).digest('hex');
    return this.guarded(account, address.slice(0, 100), signIn);
  }

  private async guarded<T>(email: string, address: string, signIn: () => Promise<T>): Promise<T> {
    await consumeOrThrow(
      this.perAddress,
      address,
      (s) => `Too many sign-in attempts from your network; try again in ${s} seconds.`,
    );
    try {
      await this.perAccount.consume(email);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      throw rateLimited(
        (s) => `Too many sign-in attempts for this account; try again in ${s} seconds.`,
        await this.lockOut(email, outcome),
      );
    }
    const result = await signIn();
    await this.perAccount.delete(email);
    return result;
  }

  /** The first refusal of a window starts a lock-out, longer for each repeat offence today. */
  private async lockOut(email: string, refusal: RateLimiterRes): Promise<RateLimiterRes> {
    if (refusal.consumedPoints !== this.limits.attemptsPerAccount + 1) return refusal;
    const { consumedPoints: offences } = await this.lockouts.consume(email);
    const seconds = Math.min(
      this.limits.lockoutSeconds * 2 ** (offences - 1),
      this.limits.maxLockoutSeconds,
    );
    await this.perAccount.block(email, seconds);
    return new RateLimiterRes(0, seconds * 1_000, refusal.consumedPoints, false);
  }
}
