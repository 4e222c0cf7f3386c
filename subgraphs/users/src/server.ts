import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import {
  OutboxRelay,
  SESSION_STATUS_PATH,
  Topics,
  createDataSource,
  createKafka,
  createLogger,
  createSignatureCheck,
  createTokenVerifier,
  isCurrentSession,
  issueToken,
  kafkaConnection,
  loadSigningKey,
  TOKEN_ALGORITHM,
  openDatabase,
  outboxEntities,
  PEOPLE_PATH,
  sendJson,
  sessionEnded,
  startSubgraph,
  type RequestContext,
} from '@ko/platform';
import { Accounts } from './accounts';
import { sessionStatusRoute } from './session-route';
import { loadUsersConfig, type UsersConfig } from './config';
import { User } from './entities/user';
import { MailLinks } from './mail-links';
import { migrations } from './migrations';
import { peopleRoute } from './people-route';
import { resolvers } from './resolvers';
import { SignInGuard } from './sign-in-guard';

export interface UsersContext extends RequestContext {
  accounts: Accounts;
  mailLinks: MailLinks;
  signInGuard: SignInGuard;
  /** The account a `verifyEmail` link just verified: its holder may see the result. */
  linkHolderOf?: string;
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
    file: join(config.KEYS_DIR, 'jwt-rs256.json'),
    algorithm: TOKEN_ALGORITHM,
  });
  const jwks = { keys: [key.publicJwk] };
  const kafka = createKafka({ ...kafkaConnection(config), clientId: 'users', logger });
  const relay = new OutboxRelay({ dataSource: db, kafka, logger, topics: [Topics.usersAccounts] });
  relay.start();
  const mailLinks = new MailLinks(db, logger, () => relay.nudge(), {
    requestsPerWindow: config.MAIL_REQUESTS_PER_WINDOW,
    windowSeconds: config.MAIL_REQUEST_WINDOW_SECONDS,
  });
  const accounts = new Accounts(
    db,
    {
      registrationsPerAddress: config.REGISTRATIONS_PER_ADDRESS,
      registrationWindowSeconds: config.REGISTRATION_WINDOW_SECONDS,
    },
    mailLinks,
    () => relay.nudge(),
  );
  const signInGuard = new SignInGuard(db, {
    attemptsPerAccount: config.LOGIN_ATTEMPTS_PER_ACCOUNT,
    attemptsPerAddress: config.LOGIN_ATTEMPTS_PER_ADDRESS,
    accountCeiling: config.LOGIN_ACCOUNT_CEILING,
    windowSeconds: config.LOGIN_WINDOW_SECONDS,
    lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
    maxLockoutSeconds: config.LOGIN_MAX_LOCKOUT_SECONDS,
    knownAddressDays: config.LOGIN_KNOWN_ADDRESS_DAYS,
  });
  // Users is the source of truth for sessions: it reads its own table on every request.
  // One signature check for both: the session route and the API see the same tokens.
  const signatures = createSignatureCheck({ jwks });
  const signatureOnly = createTokenVerifier(signatures);
  const verifyToken = createTokenVerifier(signatures, {
    sessions: async ({ id, tokenVersion }) => {
      if (!isCurrentSession(await accounts.sessionStatus(id), tokenVersion)) throw sessionEnded();
    },
  });

  const server = await startSubgraph<UsersContext>({
    name: 'users',
    typeDefs,
    resolvers,
    port: config.PORT,
    host: config.HOST,
    logger,
    maskInternalErrors: config.NODE_ENV === 'production',
    trustProxy: config.TRUST_PROXY,
    verifyToken,
    extendContext: (base) => ({
      ...base,
      accounts,
      mailLinks,
      signInGuard,
      users: new DataLoader((ids: readonly string[]) => accounts.byIds(ids)),
      issueToken: (user) =>
        issueToken(
          key,
          { id: user.id, role: user.role, name: user.name, email: user.email },
          config.TOKEN_TTL_SECONDS,
          user.tokenVersion,
        ),
    }),
    readiness: { database: async () => void (await db.query('SELECT 1')) },
    routes: {
      '/.well-known/jwks.json': (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        sendJson(res, 200, jwks);
      },
      [SESSION_STATUS_PATH]: sessionStatusRoute(signatureOnly, accounts),
      [PEOPLE_PATH]: peopleRoute(verifyToken, db),
    },
  });

  return {
    url: `${server.url}/graphql`,
    port: server.port,
    relay,
    stop: async () => {
      await server.close();
      await relay.stop();
      await db.destroy();
    },
  };
}
