import type { DataSource } from 'typeorm';
import {
  DomainError,
  PayloadTooLargeError,
  peopleRequestSchema,
  readBody,
  sendJson,
  viewerFromAuthorization,
  type Person,
  type Route,
  type TokenVerifier,
} from '@ko/platform';

/** `%`, `_` and `\` are LIKE's own characters: searched for as themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Answers `PeopleDirectory` (platform/people-directory.ts): names and e-mails of a batch of
 * users, for an organizer's attendee list. Served on the service's own port, which only the
 * internal network reaches; the organizer's token comes along and must be a current organizer's.
 * That the people bought tickets for the organizer's event is checked by the calling service,
 * which owns the tickets (users cannot know it).
 */
export function peopleRoute(verify: TokenVerifier, db: DataSource): Route {
  return async (req, res) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
    try {
      const viewer = await viewerFromAuthorization(req.headers.authorization, verify);
      if (viewer?.role !== 'ORGANIZER')
        return sendJson(res, viewer ? 403 : 401, { error: 'Organizers only' });
    } catch (error) {
      const unavailable = error instanceof DomainError && error.code === 'SERVICE_UNAVAILABLE';
      return sendJson(res, unavailable ? 503 : 401, { error: (error as Error).message });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, 100_000));
    } catch (error) {
      const status = error instanceof PayloadTooLargeError ? 413 : 400;
      return sendJson(res, status, { error: 'Send JSON: { ids, search? }' });
    }
    const request = peopleRequestSchema.safeParse(body);
    if (!request.success) return sendJson(res, 400, { error: request.error.message });
    const { ids, search } = request.data;
    const people = (await db.query(
      `SELECT id, name, email FROM users WHERE id = ANY($1::uuid[])
       ${search ? `AND (name ILIKE $2 OR email ILIKE $2)` : ''}`,
      search ? [ids, likePattern(search)] : [ids],
    )) as Person[];
    sendJson(res, 200, { people });
  };
}
