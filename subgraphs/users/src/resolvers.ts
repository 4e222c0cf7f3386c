import { DateTime, type Resolvers, type Role } from '@ko/platform';
import { normaliseEmail } from './accounts';
import type { UsersContext } from './server';
import type { User } from './entities/user';

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
    ) => {
      const user = await ctx.accounts.register(input);
      ctx.viewer = { id: user.id, role: user.role }; // they just proved who they are: show them their own email
      return { user, token: await ctx.issueToken(user) };
    },
    login: async (_root, { email, password }: { email: string; password: string }, ctx) => {
      const user = await ctx.signInGuard.attempt(normaliseEmail(email), ctx.clientAddress, () =>
        ctx.accounts.authenticate(email, password),
      );
      ctx.viewer = { id: user.id, role: user.role };
      return { user, token: await ctx.issueToken(user) };
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UsersContext) => ctx.users.load(ref.id),
    email: (user: User, _args: unknown, ctx: UsersContext) =>
      ctx.viewer?.id === user.id ? user.email : null,
  },
};
