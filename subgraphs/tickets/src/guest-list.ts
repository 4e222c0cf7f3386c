import type { DataSource } from 'typeorm';
import {
  badInput,
  hydrate,
  requireViewer,
  rows,
  tooLarge,
  type PeopleDirectory,
  type Person,
  type Viewer,
} from '@ko/platform';
import { Ticket } from './entities/ticket';
import type { EventStates } from './event-states';

/** One row of an event's attendee list: a ticket and who bought it. */
export interface Attendee {
  name: string;
  email: string;
  ticket: Ticket;
  orderId: string;
  checkedInAt: Date | null;
}

export interface AttendeePage {
  attendees: Array<{ cursor: string; attendee: Attendee }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** How many tickets an export may hold: within one request's row budget, with room to spare. */
export const MAX_EXPORT_ROWS = 10_000;

/** Who the people directory did not know (an account it has no row for). */
const UNKNOWN: Omit<Person, 'id'> = { name: 'Unknown account', email: '' };

/**
 * A cursor is the ticket's place in the list: its created_at (as PostgreSQL prints it, so the
 * microseconds survive the round trip) and its id, base64url-encoded.
 */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Error();
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error();
    return { createdAt, id };
  } catch {
    throw badInput('The `after` cursor is not one this API returned.', { field: 'after' });
  }
}

type Row = Record<string, unknown> & { cursor_at: string };

/**
 * Who holds tickets for an event, for its organizer: a page at a time (searchable by the
 * buyer's name or e-mail, or the ticket's code), an export, and check-in counts. Names and
 * e-mails live in the users service: a page asks it once for the page's buyers, a search asks
 * it which of the event's buyers match (docs/ARCHITECTURE.md says why not a copy here).
 */
export class GuestList {
  constructor(
    private readonly db: DataSource,
    private readonly states: Pick<EventStates, 'requireOrganizedBy'>,
    private readonly people: Pick<PeopleDirectory, 'find'>,
  ) {}

  async page(
    viewer: Viewer | null,
    eventId: string,
    options: { first: number; after?: string | null; search?: string | null },
    authorization: string | undefined,
  ): Promise<AttendeePage> {
    await this.requireOrganizer(viewer, eventId, authorization);
    const after = options.after ? decodeCursor(options.after) : null;
    const where = await this.filter(eventId, options.search?.trim() || null, authorization);
    const params = [...where.params];
    let pageWhere = where.sql;
    if (after) {
      params.push(after.createdAt, after.id);
      pageWhere += ` AND (created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(options.first + 1);
    const found = await rows<Row>(
      this.db.manager,
      `SELECT *, created_at::text AS cursor_at FROM tickets WHERE ${pageWhere}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    const [{ count }] = await rows<{ count: number }>(
      this.db.manager,
      `SELECT count(*)::int AS count FROM tickets WHERE ${where.sql}`,
      where.params,
    );
    const page = found.slice(0, options.first);
    const attendees = await this.withPeople(page, authorization);
    const edges = attendees.map((attendee, i) => ({
      cursor: encodeCursor(page[i].cursor_at, attendee.ticket.id),
      attendee,
    }));
    return {
      attendees: edges,
      hasNextPage: found.length > options.first,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
      totalCount: count,
    };
  }

  /** Every ticket of the event, in list order (at most MAX_EXPORT_ROWS). */
  async everyone(
    viewer: Viewer | null,
    eventId: string,
    authorization: string | undefined,
  ): Promise<Attendee[]> {
    await this.requireOrganizer(viewer, eventId, authorization);
    const found = await rows<Row>(
      this.db.manager,
      `SELECT *, created_at::text AS cursor_at FROM tickets WHERE event_id = $1
       ORDER BY created_at, id LIMIT $2`,
      [eventId, MAX_EXPORT_ROWS + 1],
    );
    if (found.length > MAX_EXPORT_ROWS)
      throw tooLarge(
        `This event has more than ${MAX_EXPORT_ROWS} tickets: page through \`attendees\` instead of exporting them at once.`,
        { limit: MAX_EXPORT_ROWS },
      );
    return this.withPeople(found, authorization);
  }

  /** Checked in and sold (valid or used) per tier of the event; tiers with none are left out. */
  async checkIns(
    viewer: Viewer | null,
    eventId: string,
    authorization: string | undefined,
  ): Promise<Map<string, { sold: number; checkedIn: number }>> {
    await this.requireOrganizer(viewer, eventId, authorization);
    const counts = await rows<{ tier_id: string; sold: number; checked_in: number }>(
      this.db.manager,
      `SELECT tier_id, count(*) FILTER (WHERE status <> 'CANCELLED')::int AS sold,
              count(*) FILTER (WHERE status = 'USED')::int AS checked_in
       FROM tickets WHERE event_id = $1 GROUP BY tier_id`,
      [eventId],
    );
    return new Map(counts.map((c) => [c.tier_id, { sold: c.sold, checkedIn: c.checked_in }]));
  }

  private async requireOrganizer(
    viewer: Viewer | null,
    eventId: string,
    authorization: string | undefined,
  ): Promise<void> {
    await this.states.requireOrganizedBy(requireViewer(viewer), eventId, authorization, {
      maxAgeMs: 3_000,
      forbidden: "Only the event's organizer can see who is coming.",
    });
  }

  /**
   * The tickets to list: the event's, narrowed by a search. A search matches a code (any part
   * of it) here, and a name or e-mail through the users service, asked which of this event's
   * buyers match (in batches; an event's buyers are at most its tickets).
   */
  private async filter(
    eventId: string,
    search: string | null,
    authorization: string | undefined,
  ): Promise<{ sql: string; params: unknown[] }> {
    if (!search) return { sql: 'event_id = $1', params: [eventId] };
    if (search.length > 200)
      throw badInput('Search with at most 200 characters.', { field: 'search' });
    const buyers = await rows<{ owner_id: string }>(
      this.db.manager,
      'SELECT DISTINCT owner_id FROM tickets WHERE event_id = $1',
      [eventId],
    );
    const matching = await this.people.find(
      buyers.map((b) => b.owner_id),
      authorization,
      search,
    );
    return {
      sql: 'event_id = $1 AND (owner_id = ANY($2::uuid[]) OR strpos(code, $3) > 0)',
      params: [eventId, [...matching.keys()], search],
    };
  }

  private async withPeople(found: Row[], authorization: string | undefined): Promise<Attendee[]> {
    const tickets = found.map((row) => hydrate(this.db.manager, Ticket, row));
    const people = await this.people.find(
      tickets.map((t) => t.ownerId),
      authorization,
    );
    return tickets.map((ticket) => {
      const person = people.get(ticket.ownerId) ?? UNKNOWN;
      return {
        name: person.name,
        email: person.email,
        ticket,
        orderId: ticket.orderId,
        checkedInAt: ticket.status === 'USED' ? ticket.usedAt : null,
      };
    });
  }
}
