import type { DataSource } from 'typeorm';
import { badInput, groupBy, isStorableDate, isUuid, type Viewer } from '@ko/platform';
import { Event } from './entities/event';

export interface EventFilter {
  search?: string | null;
  category?: string | null;
  city?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface EventPage {
  events: Array<{ cursor: string; event: Event }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;
/** Categories and cities listed for filters (`@listSize(assumedSize: 200)` in the schema). */
export const MAX_FACETS = 200;

export function encodeCursor(event: Pick<Event, 'startsAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([event.startsAt.toISOString(), event.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): { startsAt: Date; id: string } {
  try {
    const [startsAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    const date = new Date(startsAt);
    // A timestamp outside years 1-9999 would reach PostgreSQL and fail there, not here.
    if (
      typeof startsAt !== 'string' ||
      !isStorableDate(date) ||
      typeof id !== 'string' ||
      !isUuid(id)
    )
      throw new Error('bad cursor');
    return { startsAt: date, id };
  } catch {
    throw badInput('The `after` cursor is not one this API returned.', { field: 'after' });
  }
}

/** Browsing published events: filters, full-text search and keyset pagination. */
export class Catalogue {
  constructor(private readonly db: DataSource) {}

  async list(filter: EventFilter, first: number, after?: string | null): Promise<EventPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw badInput(`Ask for 1 to ${MAX_PAGE_SIZE} events at a time.`, { field: 'first' });
    }
    const search = filter.search?.trim();
    if (search && search.length > 200)
      throw badInput('Search for at most 200 characters.', { field: 'search' });
    const query = this.db
      .getRepository(Event)
      .createQueryBuilder('e')
      .where(`e.status = 'ON_SALE'`);
    if (search) query.andWhere(`e.search @@ websearch_to_tsquery('english', :search)`, { search });
    if (filter.category?.trim())
      query.andWhere('lower(e.category) = lower(:category)', { category: filter.category.trim() });
    if (filter.city?.trim())
      query.andWhere('lower(e.city) = lower(:city)', { city: filter.city.trim() });
    if (filter.from) query.andWhere('e.starts_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.starts_at < :to', { to: filter.to });

    const totalCount = await query.clone().getCount();
    if (after) {
      const cursor = decodeCursor(after);
      query.andWhere('(e.starts_at, e.id) > (:afterStartsAt, :afterId)', {
        afterStartsAt: cursor.startsAt,
        afterId: cursor.id,
      });
    }
    const rows = await query
      .orderBy('e.starts_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(first + 1)
      .getMany();
    const page = rows.slice(0, first);
    const events = page.map((event) => ({ cursor: encodeCursor(event), event }));
    return {
      events,
      hasNextPage: rows.length > first,
      endCursor: events.length ? events[events.length - 1].cursor : null,
      totalCount,
    };
  }

  /** An event by id; drafts are visible to their organizer only. */
  async get(id: string, viewer: Viewer | null): Promise<Event | null> {
    if (!isUuid(id)) return null;
    const event = await this.db.getRepository(Event).findOneBy({ id });
    if (!event) return null;
    if (event.status === 'DRAFT' && event.organizerId !== viewer?.id) return null;
    return event;
  }

  async byIds(ids: readonly string[]): Promise<Array<Event | undefined>> {
    const valid = ids.filter(isUuid);
    const rows = valid.length
      ? await this.db
          .getRepository(Event)
          .createQueryBuilder('e')
          .where('e.id = ANY(:ids)', { ids: valid })
          .getMany()
      : [];
    const byId = new Map(rows.map((e) => [e.id, e]));
    return ids.map((id) => byId.get(id));
  }

  /**
   * For a loader: the first `first` events of each organizer, soonest first, in one query
   * (a window per organizer). Drafts only for their own organizer.
   */
  async organizedBy(
    organizerIds: string[],
    first: number,
    viewer: Viewer | null,
  ): Promise<Map<string, Event[]>> {
    const ids = organizerIds.filter(isUuid);
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .getRepository(Event)
      .createQueryBuilder('e')
      .where(
        `e.id IN (SELECT id FROM (
           SELECT id, row_number() OVER (PARTITION BY organizer_id ORDER BY starts_at, id) AS n
           FROM events WHERE organizer_id = ANY(:ids) AND (status <> 'DRAFT' OR organizer_id = :viewer)
         ) ranked WHERE n <= :first)`,
        { ids, first, viewer: viewer?.id ?? null },
      )
      .orderBy('e.starts_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .getMany();
    return groupBy(rows, (e) => e.organizerId);
  }

  async facets(column: 'category' | 'city'): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT ${column} AS value FROM events WHERE status = 'ON_SALE' ORDER BY ${column} LIMIT ${MAX_FACETS}`,
    )) as Array<{ value: string }>;
    return rows.map((r) => r.value);
  }
}
