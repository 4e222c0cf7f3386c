import { z } from 'zod';
import { defineFact } from './envelope';
import { id, isoTime } from './fields';
import { Topics } from './topics';

// The users service's facts, on `users.accounts`: what the mail function writes to accounts.

/** Who an account's mail goes to, as the account stood when the fact was written. */
const AccountMailSchema = z.object({
  userId: id,
  email: z.string().email(),
  name: z.string(),
  at: isoTime,
});

/** A mail with the single-use link that verifies the account's address. */
const VerificationMailSchema = AccountMailSchema.extend({ verificationToken: z.string().min(16) });

export const UserFacts = {
  /** A new account, with the single-use link that verifies its address. */
  userRegistered: defineFact({
    topic: Topics.usersAccounts,
    type: 'user.registered',
    version: 1,
    schema: VerificationMailSchema,
    key: (data) => data.userId,
  }),

  /** The account asked for its verification link again. */
  emailVerificationRequested: defineFact({
    topic: Topics.usersAccounts,
    type: 'email.verification.requested',
    version: 1,
    schema: VerificationMailSchema,
    key: (data) => data.userId,
  }),

  /** Someone asked to reset the account's password: the link, valid until `expiresAt`. */
  passwordResetRequested: defineFact({
    topic: Topics.usersAccounts,
    type: 'password.reset.requested',
    version: 1,
    schema: AccountMailSchema.extend({ resetToken: z.string().min(16), expiresAt: isoTime }),
    key: (data) => data.userId,
  }),
};
