import { DateTime, forbidden, requireViewer, type Resolvers, type Role } from '@ko/platform';
import { normaliseEmail } from './accounts';
import type { UsersContext } from './server';
import type { User } from './entities/user';

/** The payload of a successful sign-in: `user` is now the viewer, so they see their own email. */
async function signedIn(user: User, ctx: UsersContext) {
  ctx.viewer = { id: user.id, role: user.role };
  return { user, token: await ctx.issueToken(user) };
}

export const resolvers: Resolvers<UsersContext> = {
  DateTime,
  Query: {
    me: (_root, _args, ctx) => (ctx.viewer ? ctx.users.load(ctx.viewer.id) : null),
  },
  Mutation: {
    register: async (
      _root,
      { input }: { input: { email: string; password: string; name: string; role: Role } },
      ctx,
    ) => signedIn(await ctx.accounts.register(input, ctx.clientAddress), ctx),
    login: async (_root, { email, password }: { email: string; password: string }, ctx) =>
      signedIn(
        await ctx.signInGuard.attempt(normaliseEmail(email), ctx.clientAddress, () =>
          ctx.accounts.authenticate(email, password),
        ),
        ctx,
      ),
    signOutEverywhere: async (_root, _args, ctx) =>
      signedIn(await ctx.accounts.endSessions(requireViewer(ctx.viewer).id), ctx),
    deleteAccount: async (_root, { password }: { password: string }, ctx) => {
      const user = await ctx.users.load(requireViewer(ctx.viewer).id);
      if (!user) return false;
      // The password again, through the same guard as sign-in: a stolen token alone cannot close
      // the account, nor serve to guess its password.
      await ctx.signInGuard.attempt(user.email, ctx.clientAddress, () =>
        ctx.accounts.authenticate(user.email, password),
      );
      await ctx.accounts.delete(user.id);
      return true;
    },
    verifyEmail: async (_root, { token }: { token: string }, ctx) => {
      const user = await ctx.accounts.verifyEmail(token);
      // The link's holder sees what it verified, signed in or not.
      ctx.linkHolderOf = user.id;
      return user;
    },
    resendVerificationEmail: async (_root, _args, ctx) => {
      const user = await ctx.users.load(requireViewer(ctx.viewer).id);
      if (!user) return false;
      return ctx.mailLinks.resendVerification(user, ctx.clientAddress);
    },
    requestPasswordReset: async (_root, { email }: { email: string }, ctx) => {
      await ctx.mailLinks.requestReset(normaliseEmail(email), ctx.clientAddress);
      return true;
    },
    resetPassword: async (
      _root,
      { token, newPassword }: { token: string; newPassword: string },
      ctx,
    ) => signedIn(await ctx.accounts.resetPassword(token, newPassword), ctx),
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UsersContext) => ctx.users.load(ref.id),
    email: (user: User, _args: unknown, ctx: UsersContext) =>
      ctx.viewer?.id === user.id ? user.email : null,
    emailVerified: (user: User, _args: unknown, ctx: UsersContext) => {
      if (ctx.viewer?.id !== user.id && ctx.linkHolderOf !== user.id)
        throw forbidden('Only the account itself can see whether its address is verified.');
      return user.emailVerified;
    },
  },
};
