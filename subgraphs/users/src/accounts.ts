import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import {
  DomainError,
  badInput,
  conflict,
  consumeOrThrow,
  createRateLimiter,
  characterCount,
  checkText,
  isUuid,
  rows,
  visibleText,
  type Role,
  type SessionStatus,
} from '@ko/platform';
import { User } from './entities/user';
import { displayNameKey } from './names';
import type { MailLinks } from './mail-links';
import { PasswordHasher } from './password-hashing';

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;
const MAX_NAME_LENGTH = 100;
// Pragmatic: one @, no spaces, a dot in the domain. Deliverability is proven by use, not regex.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const ROLES: readonly Role[] = ['FAN', 'ORGANIZER'];

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface Registration {
  email: string;
  password: string;
  name: string;
  role: Role;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badInput(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`, {
      field: 'password',
    });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw badInput(`Passwords can be at most ${MAX_PASSWORD_LENGTH} characters.`, {
      field: 'password',
    });
  }
}

export function validateRegistration(input: Registration): Registration {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) {
    throw badInput('Enter a valid email address, like name@example.com.', { field: 'email' });
  }
  checkPassword(input.password);
  const name = input.name.trim();
  if (visibleText(name).length === 0) throw badInput('Enter your name.', { field: 'name' });
  checkText(name, 'name', { required: true });
  if (characterCount(name) > MAX_NAME_LENGTH)
    throw badInput(`Names can be at most ${MAX_NAME_LENGTH} characters.`, { field: 'name' });
  if (!ROLES.includes(input.role)) throw badInput('Choose FAN or ORGANIZER.', { field: 'role' });
  return { email, password: input.password, name, role: input.role };
}

/** The unique indexes a registration can collide with, and what to tell the person. */
const CONFLICTS: Record<string, () => DomainError> = {
  users_email_unique: () =>
    conflict('An account with this email already exists; sign in instead.', { field: 'email' }),
  users_organizer_name_unique: () =>
    conflict('An organizer with this name already exists; choose another name.', {
      field: 'name',
    }),
};

export interface AccountLimits {
  /** Registrations per client address per window, shared by every users instance. */
  registrationsPerAddress: number;
  registrationWindowSeconds: number;
}

/** Accounts: registration, password sign-in and the account's sessions. No GraphQL here. */
export class Accounts {
  // Verified against when the email is unknown, so both paths cost the same time.
  private readonly decoyHash: Promise<string>;
  private readonly passwords = new PasswordHasher();
  private readonly registrations;

  constructor(
    private readonly db: DataSource,
    limits: AccountLimits,
    private readonly links: MailLinks,
    private readonly onCommitted: () => void = () => undefined,
  ) {
    this.decoyHash = this.passwords.hash('decoy-password-for-timing');
    this.registrations = createRateLimiter(db, {
      table: 'registration_limits',
      keyPrefix: 'address',
      points: limits.registrationsPerAddress,
      durationSeconds: limits.registrationWindowSeconds,
    });
  }

  /**
   * A new account. Input is checked first (a typo costs nothing), then the address's registration
   * limit is taken, before the costly hash, so a script cannot create accounts in bulk.
   */
  async register(input: Registration, clientAddress: string): Promise<User> {
    const valid = validateRegistration(input);
    await consumeOrThrow(
      this.registrations,
      clientAddress,
      (s) => `Too many accounts created from your network; try again in ${s} seconds.`,
    );
    const passwordHash = await this.passwords.hash(valid.password);
    try {
      // The account and its welcome (a fact the mail function sends) commit together.
      const saved = await this.db.transaction(async (manager) => {
        const user = manager.getRepository(User).create({
          email: valid.email,
          name: valid.name,
          nameKey: displayNameKey(valid.name),
          role: valid.role,
          passwordHash,
        });
        const row = await manager.getRepository(User).save(user);
        await this.links.welcome(manager, row);
        return row;
      });
      this.onCommitted();
      return saved;
    } catch (error) {
      const driverError = (error as { driverError?: { code?: string; constraint?: string } })
        .driverError;
      const known = driverError?.constraint ? CONFLICTS[driverError.constraint] : undefined;
      if (error instanceof QueryFailedError && driverError?.code === '23505' && known)
        throw known();
      throw error;
    }
  }

  /**
   * The same answer for an unknown email, a wrong password and a closed account: no account
   * enumeration, and the same time spent on each.
   */
  async authenticate(email: string, password: string): Promise<User> {
    const found = await this.db.getRepository(User).findOneBy({ email: normaliseEmail(email) });
    const user = found?.status === 'ACTIVE' ? found : undefined;
    const ok = await this.passwords.verify(
      user?.passwordHash ?? (await this.decoyHash),
      password.slice(0, MAX_PASSWORD_LENGTH),
    );
    if (!user || !ok)
      throw new DomainError('UNAUTHENTICATED', 'The email or password is incorrect.');
    return user;
  }

  /** Marks the address verified, using the link's token once. */
  async verifyEmail(token: string): Promise<User> {
    return this.db.transaction(async (manager) => {
      const userId = await this.links.use(manager, token, 'VERIFY_EMAIL');
      return this.changeAccountIn(manager, userId, 'email_verified = true');
    });
  }

  /**
   * Sets a new password through a reset link (used once), and ends every other session: the
   * token version moves on, so tokens issued before stop working. Following the link also proves
   * the address. The hash is computed before the link is claimed, outside the transaction.
   */
  async resetPassword(token: string, newPassword: string): Promise<User> {
    checkPassword(newPassword);
    const passwordHash = await this.passwords.hash(newPassword);
    return this.db.transaction(async (manager) => {
      const userId = await this.links.use(manager, token, 'RESET_PASSWORD');
      return this.changeAccountIn(
        manager,
        userId,
        'password_hash = $2, token_version = token_version + 1, email_verified = true',
        [passwordHash],
      );
    });
  }

  /** Whether tokens of this account are good, and at which version; undefined if no such account. */
  async sessionStatus(userId: string): Promise<SessionStatus | undefined> {
    return (await this.sessionStatuses([userId])).get(userId);
  }

  /** `sessionStatus` of many accounts in one statement (the other services' session checks). */
  async sessionStatuses(userIds: readonly string[]): Promise<Map<string, SessionStatus>> {
    const found = await rows<{ id: string; active: boolean; token_version: number }>(
      this.db.manager,
      `SELECT id, status = 'ACTIVE' AS active, token_version FROM users WHERE id = ANY($1::uuid[])`,
      [userIds.filter(isUuid)],
    );
    return new Map(found.map((u) => [u.id, { active: u.active, tokenVersion: u.token_version }]));
  }

  /**
   * Ends every session of the account: every token issued so far stops working (within
   * SESSION_CACHE_SECONDS in the other services). Returns the account at its new token version.
   */
  async endSessions(userId: string): Promise<User> {
    return this.changeAccount(userId, 'token_version = token_version + 1');
  }

  /** Stops the account signing in, and ends its sessions. */
  async disable(userId: string): Promise<User> {
    return this.changeAccount(userId, `status = 'DISABLED', token_version = token_version + 1`);
  }

  /**
   * Closes the account for good: its sessions end, its email is free again, and its name, email
   * and password hash are erased. The row stays, so what others hold (orders, events) still
   * resolves to a "Deleted account".
   */
  async delete(userId: string): Promise<User> {
    return this.changeAccount(
      userId,
      `status = 'DELETED', token_version = token_version + 1, name = 'Deleted account',
       name_key = NULL, email = 'deleted-' || id || '@deleted.invalid', password_hash = '!'`,
    );
  }

  /** One UPDATE, so a concurrent change cannot be lost between a read and a write. */
  private async changeAccount(userId: string, assignments: string): Promise<User> {
    return this.changeAccountIn(this.db.manager, userId, assignments);
  }

  private async changeAccountIn(
    manager: EntityManager,
    userId: string,
    assignments: string,
    params: unknown[] = [],
  ): Promise<User> {
    const [rows] = (await manager.query(
      `UPDATE users SET ${assignments} WHERE id = $1 AND status <> 'DELETED' RETURNING id`,
      [userId, ...params],
    )) as [Array<{ id: string }>, number];
    if (rows.length === 0)
      throw new DomainError('UNAUTHENTICATED', 'This account is closed; sign in again.');
    return manager.getRepository(User).findOneByOrFail({ id: userId });
  }

  async byIds(ids: readonly string[]): Promise<Array<User | undefined>> {
    const valid = ids.filter(isUuid);
    const users = valid.length
      ? await this.db
          .getRepository(User)
          .createQueryBuilder('u')
          .where('u.id = ANY(:ids)', { ids: valid })
          .getMany()
      : [];
    const byId = new Map(users.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id));
  }
}
