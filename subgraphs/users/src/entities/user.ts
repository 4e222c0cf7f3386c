import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '@ko/platform';

/** ACTIVE accounts sign in; DISABLED and DELETED ones do not, and their tokens stop working. */
export type AccountStatus = 'ACTIVE' | 'DISABLED' | 'DELETED';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Normalised (trimmed, lower-case), unique. */
  @Column({ type: 'text', unique: true })
  email: string;

  @Column({ type: 'text' })
  name: string;

  /** `displayNameKey(name)`: unique among organizers (names.ts); null once deleted. */
  @Column({ name: 'name_key', type: 'text', nullable: true })
  nameKey: string | null;

  @Column({ type: 'text' })
  role: Role;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text', default: 'ACTIVE' })
  status: AccountStatus;

  /** Tokens carry the version they were issued at; bumping it ends every earlier one. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;

  /** Proven by following the link of the welcome (or a resent) mail. */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
