import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { EventCover } from '../components/EventCover';
import type { EventCardFieldsFragment, EventFilter } from '../gql/graphql';
import { ErrorNotice, Loading, useTitle } from '../components/common';
import { formatEventTimeLine, formatMoney, plural } from '../lib/format';

const PAGE_SIZE = 12;

graphql(`
  fragment EventCardFields on Event {
    id
    imageUrl
    title
    category
    venue
    city
    startsAt
    timeZone
    currency
    status
    tiers {
      id
      priceCents
      available
    }
  }
`);

const EventsDocument = graphql(`
  query Events($filter: EventFilter, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...EventCardFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const FilterOptionsDocument = graphql(`
  query FilterOptions {
    categories
    cities
  }
`);

/** A date input's YYYY-MM-DD as the start of that day, in the visitor's time zone. */
const startOfDay = (day: string, plusDays = 0): string | undefined => {
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
};

export function HomePage() {
  useTitle('Upcoming events');
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const category = params.get('category') ?? '';
  const city = params.get('city') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [searchText, setSearchText] = useState(search);
  const ids = {
    search: useId(),
    category: useId(),
    city: useId(),
    from: useId(),
    to: useId(),
    more: useId(),
  };

  // Reads the live URL: react-router's functional update sees the params of its own render, so
  // the debounced search would otherwise undo a filter chosen meanwhile.
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  // Search as you type, without a request per keystroke.
  useEffect(() => {
    if (searchText.trim() === search) return;
    const timer = setTimeout(() => setParam('q', searchText.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchText, search]); // setParam is rebuilt each render and only reads the URL
  useEffect(() => setSearchText(search), [search]);

  const filter = useMemo<EventFilter>(() => {
    const f: EventFilter = {};
    if (search) f.search = search;
    if (category) f.category = category;
    if (city) f.city = city;
    if (from) f.from = startOfDay(from);
    if (to) f.to = startOfDay(to, 1);
    return f;
  }, [search, category, city, from, to]);
  // "Load more" position, forgotten when the filter changes (the cache merges the pages).
  const filterKey = JSON.stringify(filter);
  const [page, setPage] = useState<{ key: string; after: string | null }>({
    key: filterKey,
    after: null,
  });
  const after = page.key === filterKey ? page.after : null;
  const setAfter = (cursor: string | null) => setPage({ key: filterKey, after: cursor });

  const [options] = useQuery({ query: FilterOptionsDocument });
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: EventsDocument,
    variables: { filter, first: PAGE_SIZE, after },
  });
  const connection = data?.events;
  const filtered = Boolean(search || category || city || from || to);
  const activeFilters = [category, city, from, to].filter(Boolean).length;
  const [moreFilters, setMoreFilters] = useState(false);

  return (
    <>
      <section className="hero">
        <h1>Upcoming events</h1>
        <p className="muted">
          Concerts, matches, shows and talks near you. Find one, grab tickets, chat with everyone
          going.
        </p>
      </section>

      <form
        className="filters card"
        role="search"
        aria-label="Filter events"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="field field-search">
          <label htmlFor={ids.search}>Search</label>
          <input
            id={ids.search}
            type="search"
            placeholder="Artist, event, venue…"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
          />
        </div>
        {/* On phones the other filters fold away, so the first event shows without scrolling. */}
        <button
          type="button"
          className="button button-ghost filters-toggle"
          aria-expanded={moreFilters}
          aria-controls={ids.more}
          onClick={() => setMoreFilters((open) => !open)}
        >
          {moreFilters
            ? 'Fewer filters'
            : `More filters${activeFilters ? ` (${activeFilters})` : ''}`}
        </button>
        <div id={ids.more} className={`filters-more${moreFilters ? ' open' : ''}`}>
          <div className="field">
            <label htmlFor={ids.category}>Category</label>
            <select
              id={ids.category}
              value={category}
              onChange={(e) => setParam('category', e.target.value)}
            >
              <option value="">All categories</option>
              {(options.data?.categories ?? (category ? [category] : [])).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.city}>City</label>
            <select id={ids.city} value={city} onChange={(e) => setParam('city', e.target.value)}>
              <option value="">All cities</option>
              {(options.data?.cities ?? (city ? [city] : [])).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.from}>From</label>
            <input
              id={ids.from}
              type="date"
              value={from}
              max={to || undefined}
              onChange={(e) => setParam('from', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>To</label>
            <input
              id={ids.to}
              type="date"
              value={to}
              min={from || undefined}
              onChange={(e) => setParam('to', e.target.value)}
            />
          </div>
        </div>
        {filtered && (
          <button
            type="button"
            className="button button-ghost filters-clear"
            onClick={() => setParams(new URLSearchParams(), { replace: true })}
          >
            Clear filters
          </button>
        )}
      </form>

      <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      {connection && (
        <p className="result-count" aria-live="polite">
          {plural(connection.totalCount, 'event')}{' '}
          {filtered
            ? (connection.totalCount === 1 ? 'matches' : 'match') + ' your filters'
            : 'coming up'}
        </p>
      )}
      {!connection && fetching && <Loading label="Loading events…" />}

      {connection && connection.edges.length === 0 && (
        <section className="empty-state">
          <h2>No events found</h2>
          <p>
            {filtered
              ? 'Nothing matches these filters. Try another search, city or date.'
              : 'There are no upcoming events yet. Check back soon.'}
          </p>
          {filtered && (
            <button
              type="button"
              className="button"
              onClick={() => setParams(new URLSearchParams(), { replace: true })}
            >
              Clear filters
            </button>
          )}
        </section>
      )}

      {connection && connection.edges.length > 0 && (
        <ul className="event-grid" aria-label="Events">
          {connection.edges.map(({ node }) => (
            <li key={node.id}>
              <EventCard event={node} />
            </li>
          ))}
        </ul>
      )}

      {connection?.pageInfo.hasNextPage && (
        <div className="load-more">
          <button
            type="button"
            className="button button-ghost"
            disabled={fetching}
            onClick={() => setAfter(connection.pageInfo.endCursor ?? null)}
          >
            {fetching ? 'Loading…' : 'Load more events'}
          </button>
        </div>
      )}
    </>
  );
}

function EventCard({ event }: { event: EventCardFieldsFragment }) {
  const tiers = event.tiers ?? []; // null when the tickets service cannot answer
  const prices = tiers.map((t) => t.priceCents);
  const available = tiers.reduce((sum, t) => sum + t.available, 0);
  const soldOut = tiers.length > 0 && available === 0;
  return (
    <article className="event-card card">
      <EventCover event={event} />
      <div className="event-card-top">
        <span className="pill">{event.category}</span>
        {soldOut && <span className="badge badge-sold-out">Sold out</span>}
      </div>
      <h2 className="event-card-title">
        <Link to={`/events/${event.id}`} className="stretched-link">
          {event.title}
        </Link>
      </h2>
      <p className="event-meta">
        <time dateTime={event.startsAt}>{formatEventTimeLine(event.startsAt, event.timeZone)}</time>
      </p>
      <p className="event-meta">
        {event.venue} · {event.city}
      </p>
      <p className="event-card-price">
        {prices.length
          ? `From ${formatMoney(Math.min(...prices), event.currency)}`
          : 'Tickets coming soon'}
      </p>
    </article>
  );
}
