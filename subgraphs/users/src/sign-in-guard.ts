import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { consumeOrThrow, createRateLimiter, rateLimited, RateLimiterRes } from '@ko/platform';

export interface SignInLimits {
  /** Attempts at one account from one address per window before that pair locks. */
  attemptsPerAccount: number;
  /** Attempts per network address per window, across accounts (credential stuffing). */
  attemptsPerAddress: number;
  /**
   * Attempts at one account from all addresses per window; past it only addresses the account has
   * signed in from before may try (a distributed guessing attack).
   */
  accountCeiling: number;
  windowSeconds: number;
  /** First lock-out of a pair; each further one in a day doubles it, up to `maxLockoutSeconds`. */
  lockoutSeconds: number;
  maxLockoutSeconds: number;
  /** How long an address stays known to an account after a sign-in from it. */
  knownAddressDays: number;
}

const TABLE = 'sign_in_limits';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Throttles password sign-in so that guessing is refused but cannot be turned against the owner:
 *
 * - per address, across accounts: credential stuffing from one place;
 * - per account *and* address: repeated failures lock that pair, for longer each repeat, so an
 *   attacker at one address locks out only themselves, and the owner elsewhere signs in;
 * - per account, across addresses: a ceiling on guesses from many addresses, past which only
 *   addresses the account has signed in from before (in `knownAddressDays`) may go on trying.
 *
 * Attempts are counted before the password is checked, so concurrent guesses cannot slip past a
 * limit, and a lock-out holds even for the right password. Unknown emails are throttled exactly
 * like known ones, so the answers reveal nothing about which accounts exist. Keys are hashes: no
 * email is kept in the store, and any length of input fits.
 */
export class SignInGuard {
  private readonly perAddress;
  private readonly perPair;
  private readonly perAccount;
  private readonly lockouts;
  private readonly knownAddresses;

  constructor(
    db: DataSource,
    private readonly limits: SignInLimits,
  ) {
    const limiter = (keyPrefix: string, points: number, durationSeconds: number) =>
      createRateLimiter(db, { table: TABLE, keyPrefix, points, durationSeconds });
    this.perAddress = limiter('address', limits.attemptsPerAddress, limits.windowSeconds);
    this.perPair = limiter('pair', limits.attemptsPerAccount, limits.windowSeconds);
    this.perAccount = limiter('account', limits.accountCeiling, limits.windowSeconds);
    this.lockouts = limiter('lockouts', 1_000, 24 * 3600);
    this.knownAddresses = limiter('known', 1, limits.knownAddressDays * 24 * 3600);
  }

  async attempt<T>(email: string, address: string, signIn: () => Promise<T>): Promise<T> {
    const account = sha256(email);
    const pair = sha256(`${email}\n${address}`);
    await consumeOrThrow(
      this.perAddress,
      address.slice(0, 100),
      (s) => `Too many sign-in attempts from your network; try again in ${s} seconds.`,
    );
    try {
      await this.perPair.consume(pair);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      throw rateLimited(
        (s) => `Too many sign-in attempts for this account; try again in ${s} seconds.`,
        await this.lockOut(pair, outcome),
      );
    }
    try {
      await this.perAccount.consume(account);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      if (!(await this.knownAddresses.get(pair)))
        throw rateLimited(
          (s) =>
            `Too many sign-in attempts for this account from new places; try again in ${s} seconds, or from where you usually sign in.`,
          outcome,
        );
    }
    const result = await signIn();
    // A success is not a guess: it gives its point back to the ceiling, and clears the pair's count.
    await this.perAccount.reward(account);
    await this.perPair.delete(pair);
    await this.knownAddresses.set(pair, 1, this.limits.knownAddressDays * 24 * 3600);
    return result;
  }

  /** The first refusal of a window starts a lock-out, longer for each repeat offence today. */
  private async lockOut(pair: string, refusal: RateLimiterRes): Promise<RateLimiterRes> {
    if (refusal.consumedPoints !== this.limits.attemptsPerAccount + 1) return refusal;
    const { consumedPoints: offences } = await this.lockouts.consume(pair);
    const seconds = Math.min(
      this.limits.lockoutSeconds * 2 ** (offences - 1),
      this.limits.maxLockoutSeconds,
    );
    await this.perPair.block(pair, seconds);
    return new RateLimiterRes(0, seconds * 1_000, refusal.consumedPoints, false);
  }
}
