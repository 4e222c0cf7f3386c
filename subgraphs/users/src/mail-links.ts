import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DomainError,
  Facts,
  consumeOrThrow,
  createRateLimiter,
  enqueue,
  rows,
  type Logger,
} from '@ko/platform';
import type { User } from './entities/user';

export type LinkPurpose = 'VERIFY_EMAIL' | 'RESET_PASSWORD';

/** How long a link works: a reset link briefly (it signs in), a verification link for days. */
export const LINK_LIFETIME_SECONDS: Record<LinkPurpose, number> = {
  VERIFY_EMAIL: 7 * 86_400,
  RESET_PASSWORD: 30 * 60,
};

export interface MailLinkLimits {
  /** Reset or verification mails one address (or account) may ask for per window. */
  requestsPerWindow: number;
  windowSeconds: number;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/**
 * The single-use links mailed to an account: address verification and password reset. A link
 * is written with the fact that mails it, in one transaction; the mail function sends it from
 * the fact (never this request), so a slow mail server slows nothing here. Only the token's hash
 * is kept.
 */
export class MailLinks {
  private readonly byAddress;
  private readonly byAccount;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly onCommitted: () => void,
    limits: MailLinkLimits,
  ) {
    const common = { table: 'mail_link_limits', points: limits.requestsPerWindow };
    this.byAddress = createRateLimiter(db, {
      ...common,
      keyPrefix: 'address',
      durationSeconds: limits.windowSeconds,
    });
    this.byAccount = createRateLimiter(db, {
      ...common,
      keyPrefix: 'account',
      durationSeconds: limits.windowSeconds,
    });
  }

  /** The welcome: called in the registration's transaction. */
  async welcome(manager: EntityManager, user: User): Promise<void> {
    const token = await this.issue(manager, user.id, 'VERIFY_EMAIL');
    await enqueue(manager, Facts.userRegistered, {
      userId: user.id,
      email: user.email,
      name: user.name,
      at: new Date().toISOString(),
      verificationToken: token,
    });
  }

  /** Another verification link. False when the address is verified already (nothing sent). */
  async resendVerification(user: User, clientAddress: string): Promise<boolean> {
    if (user.emailVerified) return false;
    await this.limit(clientAddress, user.id);
    await this.db.transaction(async (manager) => {
      const token = await this.issue(manager, user.id, 'VERIFY_EMAIL');
      await enqueue(manager, Facts.emailVerificationRequested, {
        userId: user.id,
        email: user.email,
        name: user.name,
        at: new Date().toISOString(),
        verificationToken: token,
      });
    });
    this.onCommitted();
    return true;
  }

  /**
   * A reset link, if `email` is an active account's. The caller always answers true, and this
   * returns before knowing: the lookup and the writes happen after the answer, so an unknown
   * address and a known one take the same time (and the limits are taken for both alike).
   */
  async requestReset(email: string, clientAddress: string): Promise<void> {
    await this.limit(clientAddress, `email:${email}`);
    void this.writeReset(email).catch((error: unknown) =>
      this.logger.error({ err: error }, 'password reset request could not be recorded'),
    );
  }

  private async writeReset(email: string): Promise<void> {
    const token = newToken();
    const expiresAt = new Date(Date.now() + LINK_LIFETIME_SECONDS.RESET_PASSWORD * 1_000);
    const written = await this.db.transaction(async (manager) => {
      const [user] = await rows<{ id: string; email: string; name: string }>(
        manager,
        `SELECT id, email, name FROM users WHERE email = $1 AND status = 'ACTIVE'`,
        [email],
      );
      if (!user) return false;
      await manager.query(
        `INSERT INTO mail_links (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, 'RESET_PASSWORD', $3)`,
        [hashOf(token), user.id, expiresAt],
      );
      await enqueue(manager, Facts.passwordResetRequested, {
        userId: user.id,
        email: user.email,
        name: user.name,
        at: new Date().toISOString(),
        resetToken: token,
        expiresAt: expiresAt.toISOString(),
      });
      return true;
    });
    if (written) this.onCommitted();
  }

  /**
   * Uses a link once, inside the caller's transaction: the conditional UPDATE claims it, so two
   * concurrent uses cannot both succeed. Returns the account's id; a used, expired or unknown
   * token is BAD_USER_INPUT saying which.
   */
  async use(manager: EntityManager, token: string, purpose: LinkPurpose): Promise<string> {
    const hash = hashOf(token);
    const [claimed] = await rows<{ user_id: string }>(
      manager,
      `UPDATE mail_links SET used_at = now()
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [hash, purpose],
    );
    if (claimed) return claimed.user_id;
    const [link] = await rows<{ used_at: Date | null }>(
      manager,
      'SELECT used_at FROM mail_links WHERE token_hash = $1 AND purpose = $2',
      [hash, purpose],
    );
    const what = purpose === 'RESET_PASSWORD' ? 'password reset link' : 'verification link';
    const again =
      purpose === 'RESET_PASSWORD'
        ? 'ask for a new one with "Forgot password?"'
        : 'ask for a new one with "Resend"';
    if (!link) throw invalidLink(`This ${what} is not valid; ${again}.`);
    if (link.used_at) throw invalidLink(`This ${what} was already used; ${again}.`);
    throw invalidLink(`This ${what} has expired; ${again}.`);
  }

  private async issue(manager: EntityManager, userId: string, purpose: LinkPurpose) {
    const token = newToken();
    await manager.query(
      `INSERT INTO mail_links (token_hash, user_id, purpose, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hashOf(token), userId, purpose, LINK_LIFETIME_SECONDS[purpose]],
    );
    return token;
  }

  private async limit(clientAddress: string, account: string): Promise<void> {
    const message = (s: number) => `Too many mail requests; try again in ${s} seconds.`;
    await consumeOrThrow(this.byAddress, clientAddress, message);
    await consumeOrThrow(this.byAccount, account, message);
  }
}

function invalidLink(message: string): DomainError {
  return new DomainError('BAD_USER_INPUT', message, { field: 'token' });
}
