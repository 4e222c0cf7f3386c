import DataLoader from 'dataloader';
import { z } from 'zod';
import { createTokenVerifier, type SessionCheck, type TokenVerifier } from './auth';
import { DomainError, unauthenticated } from './errors';
import { postJson, type HttpAnswer } from './http-client';
import { readServiceList } from './service-list';

/**
 * Where the users service answers whether tokens' sessions are current (internal network only):
 * POST `{ tokens }`, answered `{ sessions }` in the same order, null for a token it refuses.
 */
export const SESSION_STATUS_PATH = '/internal/sessions';
/** Most tokens asked about in one request. */
export const MAX_SESSIONS_PER_QUESTION = 500;

export const sessionQuestionSchema = z.object({
  tokens: z.array(z.string().min(1).max(4_096)).min(1).max(MAX_SESSIONS_PER_QUESTION),
});

/** The users service's answer about a token's account. */
export interface SessionStatus {
  /** False once the account is disabled or deleted. */
  active: boolean;
  /** The account's current token version: tokens issued at an older one are void. */
  tokenVersion: number;
}

const sessionStatusSchema = z.object({ active: z.boolean(), tokenVersion: z.number().int() });
const sessionAnswerSchema = z.object({ sessions: z.array(sessionStatusSchema.nullable()) });

export const sessionEnded = () =>
  unauthenticated(
    'Your session has ended (signed out everywhere, or the account is closed); sign in again.',
  );

/** Whether a token issued at `tokenVersion` is still good for an account in `status`. */
export function isCurrentSession(status: SessionStatus | undefined, tokenVersion: number): boolean {
  return status !== undefined && status.active && status.tokenVersion === tokenVersion;
}

/**
 * Asks the users service (through the service registry's instances) whether a token's account
 * is still active at the token's version, and trusts each answer for `ttlMs`: a token of an
 * account that ended its sessions, was disabled or deleted stops working at most `ttlMs` later.
 * Callers at once for one account share one question, and the questions of one turn of the
 * event loop go in one request (a socket server re-checking thousands of sockets, a rush of new
 * buyers). If no users instance answers, the check fails closed (SERVICE_UNAVAILABLE): a token
 * is never taken on trust.
 */
export class SessionDirectory {
  private readonly answers = new Map<string, { until: number; status: Promise<SessionStatus> }>();
  private readonly questions = new DataLoader<string, SessionStatus>(
    (tokens) => this.askMany(tokens),
    // Every question of this turn of the event loop, not only of this promise job, in one request.
    { cache: false, maxBatchSize: MAX_SESSIONS_PER_QUESTION, batchScheduleFn: setImmediate },
  );
  private next = 0;

  constructor(
    private readonly instances: () => string[],
    private readonly ttlMs: number,
    private readonly options: { timeoutMs?: number; maxEntries?: number } = {},
  ) {}

  check: SessionCheck = async (claims, token) => {
    let status = await this.status(claims.id, token);
    // A token newer than the answer held was issued since (signOutEverywhere hands one out): the
    // answer is stale, not the token. Only users signs tokens, so no caller can claim a version.
    if (status.tokenVersion < claims.tokenVersion)
      status = await this.status(claims.id, token, { fresh: true });
    if (!isCurrentSession(status, claims.tokenVersion)) throw sessionEnded();
  };

  private status(
    userId: string,
    token: string,
    options = { fresh: false },
  ): Promise<SessionStatus> {
    const now = Date.now();
    const cached = this.answers.get(userId);
    if (cached && cached.until > now && !options.fresh) return cached.status;
    const status = this.ask(token);
    this.answers.delete(userId);
    if (this.ttlMs > 0) this.answers.set(userId, { until: now + this.ttlMs, status });
    // A failed answer is not kept: the next request asks again.
    status.catch(() => {
      if (this.answers.get(userId)?.status === status) this.answers.delete(userId);
    });
    // The oldest answers go first once the map is full (Map keeps insertion order).
    const max = this.options.maxEntries ?? 50_000;
    while (this.answers.size > max) this.answers.delete(this.answers.keys().next().value!);
    return status;
  }

  private ask(token: string): Promise<SessionStatus> {
    return this.questions.load(token);
  }

  private async askMany(tokens: readonly string[]): Promise<Array<SessionStatus | Error>> {
    const instances = this.instances();
    for (let attempt = 0; attempt < instances.length; attempt++) {
      const url = new URL(SESSION_STATUS_PATH, instances[this.next++ % instances.length]);
      let response: HttpAnswer;
      try {
        response = await postJson(url, { tokens }, { timeoutMs: this.options.timeoutMs ?? 2_000 });
      } catch {
        continue;
      }
      const parsed = sessionAnswerSchema.safeParse(await response.json().catch(() => undefined));
      if (response.ok && parsed.success && parsed.data.sessions.length === tokens.length)
        return parsed.data.sessions.map((status) => status ?? sessionEnded());
    }
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      'Sessions cannot be checked right now; try again shortly.',
    );
  }
}

/**
 * The token verifier of every service but users: signatures against users' JWKS, sessions asked
 * of the users instances named in the service list, each answer cached SESSION_CACHE_SECONDS.
 */
export function createServiceTokenVerifier(config: {
  JWKS_URL: string;
  SERVICE_LIST: string;
  SESSION_CACHE_SECONDS: number;
}): TokenVerifier {
  // A list without users leaves every check failing closed (SERVICE_UNAVAILABLE), not the start.
  const users = readServiceList(config.SERVICE_LIST).subgraphs.find((s) => s.name === 'users');
  const sessions = new SessionDirectory(
    () => users?.instances ?? [],
    config.SESSION_CACHE_SECONDS * 1_000,
  );
  return createTokenVerifier({ jwksUrl: config.JWKS_URL }, { sessions: sessions.check });
}
