import {
  PayloadTooLargeError,
  readBody,
  sendJson,
  sessionQuestionSchema,
  type Route,
  type SessionStatus,
  type TokenVerifier,
  type Viewer,
} from '@ko/platform';
import type { Accounts } from './accounts';

/** A full question: 500 tokens of about 700 bytes, with room to spare. */
const MAX_QUESTION_BYTES = 1_000_000;

/**
 * Answers the other services' session checks (SessionDirectory, session-check.ts), a batch of
 * tokens per request: each token's account status at its version, or null for a token whose
 * signature or age this service refuses. The caller proves each question with the token itself,
 * so the route tells nothing to anyone without one. One statement reads every account asked
 * about. Served on the service's own port, which only the internal network reaches.
 */
export function sessionStatusRoute(verify: TokenVerifier, accounts: Accounts): Route {
  return async (req, res) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_QUESTION_BYTES));
    } catch (error) {
      const status = error instanceof PayloadTooLargeError ? 413 : 400;
      return sendJson(res, status, { error: 'Send JSON: { tokens }' });
    }
    const question = sessionQuestionSchema.safeParse(body);
    if (!question.success) return sendJson(res, 400, { error: question.error.message });
    const viewers = await Promise.all(
      question.data.tokens.map((token) => verify(token).catch((): Viewer | null => null)),
    );
    const statuses = await accounts.sessionStatuses(
      viewers.flatMap((viewer) => (viewer ? [viewer.id] : [])),
    );
    const unknown: SessionStatus = { active: false, tokenVersion: 0 };
    sendJson(res, 200, {
      sessions: viewers.map((viewer) => (viewer ? (statuses.get(viewer.id) ?? unknown) : null)),
    });
  };
}
