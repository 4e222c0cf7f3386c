import { QueryFailedError, type DataSource } from 'typeorm';
import { DomainError, badInput, conflict, isUuid, type Role } from '@ko/platform';
import { User } from './entities/user';
import { PasswordHasher } from './password-hashing';

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;
const MAX_NAME_LENGTH = 100;
// Pragmatic: one @, no spaces, a dot in the domain. Deliverability is proven by use, not regex.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface Registration {
  email: string;
  password: string;
  name: string;
  role: Role;
}

export function validateRegistration(input: Registration): Registration {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) {
    throw badInput('Enter a valid email address, like name@example.com.', { field: 'email' });
  }
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw badInput(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`, {
      field: 'password',
    });
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) {
    throw badInput(`Passwords can be at most ${MAX_PASSWORD_LENGTH} characters.`, {
      field: 'password',
    });
  }
  const name = input.name.trim();
  if (name.length === 0) throw badInput('Enter your name.', { field: 'name' });
  if (name.length > MAX_NAME_LENGTH)
    throw badInput(`Names can be at most ${MAX_NAME_LENGTH} characters.`, { field: 'name' });
  return { email, password: input.password, name, role: input.role };
}

/** Accounts: registration and password sign-in. No GraphQL here. */
export class Accounts {
  // Verified against when the email is unknown, so both paths cost the same time.
  private readonly decoyHash: Promise<string>;
  private readonly passwords = new PasswordHasher();

  constructor(private readonly db: DataSource) {
    this.decoyHash = this.passwords.hash('decoy-password-for-timing');
  }

  async register(input: Registration): Promise<User> {
    const valid = validateRegistration(input);
    const passwordHash = await this.passwords.hash(valid.password);
    try {
      const user = this.db
        .getRepository(User)
        .create({ email: valid.email, name: valid.name, role: valid.role, passwordHash });
      return await this.db.getRepository(User).save(user);
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === '23505'
      ) {
        throw conflict('An account with this email already exists; sign in instead.', {
          field: 'email',
        });
      }
      throw error;
    }
  }

  /** The same answer for an unknown email and a wrong password: no account enumeration. */
  async authenticate(email: string, password: string): Promise<User> {
    const user = await this.db.getRepository(User).findOneBy({ email: normaliseEmail(email) });
    const ok = await this.passwords.verify(
      user?.passwordHash ?? (await this.decoyHash),
      password.slice(0, MAX_PASSWORD_LENGTH),
    );
    if (!user || !ok)
      throw new DomainError('UNAUTHENTICATED', 'The email or password is incorrect.');
    return user;
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
