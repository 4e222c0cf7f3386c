import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import {
  createDataSource,
  createLogger,
  createTokenVerifier,
  issueToken,
  loadSigningKey,
  openDatabase,
  outboxEntities,
  sendJson,
  startSubgraph,
  type RequestContext,
} from '@ko/platform';
import { Accounts } from './accounts';
import { loadUsersConfig, type UsersConfig } from './config';
import { User } from './entities/user';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { SignInGuard } from './sign-in-guard';

export interface UsersContext extends RequestContext {
  accounts: Accounts;
  signInGuard: SignInGuard;
  users: DataLoader<string, User | undefined>;
  issueToken(user: User): Promise<string>;
}

export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

export async function start(config: UsersConfig = loadUsersConfig()) {
  const logger = createLogger('users', config.LOG_LEVEL);
  const db = await openDatabase(
    createDataSource({ url: config.DATABASE_URL, entities: [User, ...outboxEntities], migrations }),
    logger,
  );
  const key = await loadSigningKey({
    privateJwk: config.JWT_PRIVATE_JWK,
    file: join(config.KEYS_DIR, 'jwt-ed25519.json'),
  });
  const jwks = { keys: [key.publicJwk] };
  const accounts = new Accounts(db);
  const signInGuard = new SignInGuard(db, {
    attemptsPerAccount: config.LOGIN_ATTEMPTS_PER_ACCOUNT,
    attemptsPerAddress: config.LOGIN_ATTEMPTS_PER_ADDRESS,
    windowSeconds: config.LOGIN_WINDOW_SECONDS,
    lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
    maxLockoutSeconds: config.LOGIN_MAX_LOCKOUT_SECONDS,
  });

  const server = await startSubgraph<UsersContext>({
    name: 'users',
    typeDefs,
    resolvers,
    port: config.PORT,
    host: config.HOST,
    logger,
    maskInternalErrors: config.NODE_ENV === 'production',
    verifyToken: createTokenVerifier({ jwks }),
    extendContext: (base) => ({
      ...base,
      accounts,
      signInGuard,
      users: new DataLoader((ids: readonly string[]) => accounts.byIds(ids)),
      issueToken: (user) =>
        issueToken(
          key,
          { id: user.id, role: user.role, name: user.name },
          config.TOKEN_TTL_SECONDS,
        ),
    }),
    readiness: { database: async () => void (await db.query('SELECT 1')) },
    routes: {
      '/.well-known/jwks.json': (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        sendJson(res, 200, jwks);
      },
    },
  });

  return {
    url: `${server.url}/graphql`,
    port: server.port,
    stop: async () => {
      await server.close();
      await db.destroy();
    },
  };
}
