import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { DashboardQuery } from '../gql/graphql';
import { SCHEMA_FEATURES } from '../gql/schema-meta';
import {
  ErrorNotice,
  Loading,
  Notice,
  StatusBadge,
  useSignInRedirect,
  useTitle,
} from '../components/common';
import { PostAnnouncementDocument } from '../components/ChatPanel';
import { SalesReport } from '../optional/salesReport/SalesReport';
import { WaitingRoomControl } from '../components/WaitingRoomControl';
import {
  formatEventTimeLine,
  formatMoney,
  formatTime,
  plural,
  visitorTimeZone,
  zonedToIso,
} from '../lib/format';
import { useSession } from '../session/session';
import { useTicketsSold, type SalesUpdate } from '../session/live';

graphql(`
  fragment DashboardEvent on Event {
    id
    title
    description
    category
    venue
    city
    startsAt
    timeZone
    currency
    status
    tiers {
      id
      name
      priceCents
      capacity
      available
    }
  }
`);

const DashboardDocument = graphql(`
  query Dashboard {
    me {
      id
      role
      organizedEvents {
        ...DashboardEvent
      }
    }
  }
`);

const CreateEventDocument = graphql(`
  mutation CreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      ...DashboardEvent
    }
  }
`);

const AddTierDocument = graphql(`
  mutation AddTier($eventId: ID!, $input: TicketTierInput!) {
    addTicketTier(eventId: $eventId, input: $input) {
      id
      name
      priceCents
      capacity
      available
      event {
        id
        tiers {
          id
          name
          priceCents
          capacity
          available
        }
      }
    }
  }
`);

const PublishEventDocument = graphql(`
  mutation PublishEvent($id: ID!) {
    publishEvent(id: $id) {
      id
      status
    }
  }
`);

const CancelEventDocument = graphql(`
  mutation CancelEvent($id: ID!) {
    cancelEvent(id: $id) {
      id
      status
    }
  }
`);

type OrganizedEvent = NonNullable<DashboardQuery['me']>['organizedEvents'][number];

export function DashboardPage({ creating = false }: { creating?: boolean }) {
  useTitle('Dashboard');
  const { id } = useParams();
  const { viewer, reconnects } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: DashboardDocument,
    pause: !viewer,
    requestPolicy: 'cache-and-network',
  });
  // Sales that happened while the live connection was down arrive with a fresh read.
  useEffect(() => {
    if (reconnects > 0 && viewer) reexecute({ requestPolicy: 'network-only' });
  }, [reconnects, viewer, reexecute]);

  useEffect(() => {
    if (viewer === null) askToSignIn();
  }, [viewer, askToSignIn]);

  if (!viewer || (!data && fetching)) return <Loading label="Loading your dashboard…" />;
  if (viewer.role !== 'ORGANIZER') {
    return (
      <section className="empty-state">
        <h1>Dashboard</h1>
        <p>The dashboard is for organizers. Create an organizer account to run your own events.</p>
        <Link className="button" to="/">
          Browse events
        </Link>
      </section>
    );
  }

  const events = [...(data?.me?.organizedEvents ?? [])].sort((a, b) =>
    a.startsAt.localeCompare(b.startsAt),
  );
  const selected = events.find((e) => e.id === id);

  return (
    <div className="dashboard">
      <aside className="dashboard-nav card" aria-label="Your events">
        <div className="dashboard-nav-head">
          <h1>Your events</h1>
          <Link className="button button-small" to="/dashboard/new">
            New event
          </Link>
        </div>
        <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        {events.length === 0 ? (
          <p className="muted">No events yet. Create your first one.</p>
        ) : (
          <ul className="dashboard-events">
            {events.map((e) => (
              <li key={e.id}>
                <NavLink to={`/dashboard/events/${e.id}`}>
                  <span className="dashboard-event-title">{e.title}</span>
                  <span className="muted small">{formatEventTimeLine(e.startsAt, e.timeZone)}</span>
                  <StatusBadge status={e.status} />
                </NavLink>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section className="dashboard-main">
        {creating ? (
          <CreateEventForm onCreated={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : selected ? (
          <EventManager key={selected.id} event={selected} />
        ) : id && !fetching ? (
          <Notice kind="warning">This event is not one of yours, or it no longer exists.</Notice>
        ) : (
          <div className="card empty-state">
            <h2>Run your events</h2>
            <p>
              Pick an event on the left to add ticket tiers, publish it, watch sales live and post
              announcements — or create a new one.
            </p>
          </div>
        )}
      </section>
    </div>
  );
}

const TIME_ZONES = Intl.supportedValuesOf('timeZone');
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD'];

function CreateEventForm({ onCreated }: { onCreated: () => void }) {
  const navigate = useNavigate();
  const [{ fetching, error }, create] = useMutation(CreateEventDocument);
  const [form, setForm] = useState({
    title: '',
    description: '',
    category: '',
    venue: '',
    city: '',
    startsAt: '',
    // The venue's zone: the organizer's own until they say otherwise.
    timeZone: visitorTimeZone(),
    currency: 'EUR',
    address: '',
  });
  const ids = {
    title: useId(),
    description: useId(),
    category: useId(),
    venue: useId(),
    city: useId(),
    startsAt: useId(),
    startsHint: useId(),
    timeZone: useId(),
    currency: useId(),
    address: useId(),
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await create({
      input: {
        title: form.title.trim(),
        description: form.description.trim(),
        category: form.category.trim(),
        venue: form.venue.trim(),
        city: form.city.trim(),
        // `datetime-local` has no zone: it is the time on the venue's clock.
        startsAt: zonedToIso(form.startsAt, form.timeZone),
        timeZone: form.timeZone,
        currency: form.currency,
        address: form.address.trim() || null,
      },
    });
    if (result.data) {
      onCreated();
      navigate(`/dashboard/events/${result.data.createEvent.id}`);
    }
  };

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="create-heading">
      <h2 id="create-heading">New event</h2>
      <p className="muted">It starts as a draft: add ticket tiers, then publish it.</p>
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input id={ids.title} required maxLength={200} value={form.title} onChange={set('title')} />
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description</label>
        <textarea
          id={ids.description}
          rows={4}
          value={form.description}
          onChange={set('description')}
        />
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.category}>Category</label>
          <input
            id={ids.category}
            required
            list="category-options"
            value={form.category}
            onChange={set('category')}
          />
          <datalist id="category-options">
            {['Music', 'Festival', 'Sports', 'Theatre', 'Comedy', 'Conference'].map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={ids.startsAt}>Starts at</label>
          <input
            id={ids.startsAt}
            type="datetime-local"
            required
            value={form.startsAt}
            onChange={set('startsAt')}
            aria-describedby={ids.startsHint}
          />
          <small id={ids.startsHint} className="hint">
            On the clock of the venue (its time zone below).
          </small>
        </div>
        <div className="field">
          <label htmlFor={ids.venue}>Venue</label>
          <input id={ids.venue} required value={form.venue} onChange={set('venue')} />
        </div>
        <div className="field">
          <label htmlFor={ids.city}>City</label>
          <input id={ids.city} required value={form.city} onChange={set('city')} />
        </div>
        <div className="field">
          <label htmlFor={ids.timeZone}>Time zone</label>
          <select id={ids.timeZone} value={form.timeZone} onChange={set('timeZone')}>
            {(TIME_ZONES.includes(form.timeZone) ? TIME_ZONES : [form.timeZone, ...TIME_ZONES]).map(
              (zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ),
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.currency}>Currency</label>
          <select id={ids.currency} value={form.currency} onChange={set('currency')}>
            {CURRENCIES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.address}>Street address (optional)</label>
          <input id={ids.address} maxLength={200} value={form.address} onChange={set('address')} />
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? 'Creating…' : 'Create draft'}
        </button>
        <Link to="/dashboard" className="button button-ghost">
          Cancel
        </Link>
      </div>
    </form>
  );
}

function EventManager({ event }: { event: OrganizedEvent }) {
  const [sales, setSales] = useState<SalesUpdate[]>([]);
  const [publishing, publish] = useMutation(PublishEventDocument);
  const [cancelling, cancel] = useMutation(CancelEventDocument);
  const [confirmCancel, setConfirmCancel] = useState(false);
  useTicketsSold(event.id, event.status === 'ON_SALE', (sale) =>
    setSales((list) => [sale, ...list].slice(0, 20)),
  );

  // Null when the tickets service cannot answer: the event still shows, without tiers.
  const tiers = event.tiers ?? [];
  const sold = tiers.reduce((n, t) => n + (t.capacity - t.available), 0);
  const capacity = tiers.reduce((n, t) => n + t.capacity, 0);
  const revenue = tiers.reduce((n, t) => n + (t.capacity - t.available) * t.priceCents, 0);

  return (
    <div className="manager">
      <header className="card">
        <div className="event-card-top">
          <span className="pill">{event.category}</span>
          <StatusBadge status={event.status} />
        </div>
        <h2>{event.title}</h2>
        <p className="muted">
          {formatEventTimeLine(event.startsAt, event.timeZone)} · {event.venue}, {event.city}
        </p>
        <div className="actions">
          <Link className="button button-ghost button-small" to={`/events/${event.id}`}>
            View event page
          </Link>
          {event.status === 'DRAFT' && (
            <button
              type="button"
              className="button button-primary button-small"
              disabled={publishing.fetching || tiers.length === 0}
              onClick={() => void publish({ id: event.id })}
            >
              {publishing.fetching ? 'Publishing…' : 'Publish'}
            </button>
          )}
          {event.status !== 'CANCELLED' &&
            (confirmCancel ? (
              <span className="confirm" role="group" aria-label="Confirm cancellation">
                <span>Cancel this event and all its orders?</span>
                <button
                  type="button"
                  className="button button-danger button-small"
                  disabled={cancelling.fetching}
                  onClick={() => void cancel({ id: event.id }).then(() => setConfirmCancel(false))}
                >
                  {cancelling.fetching ? 'Cancelling…' : 'Yes, cancel event'}
                </button>
                <button
                  type="button"
                  className="button button-ghost button-small"
                  onClick={() => setConfirmCancel(false)}
                >
                  Keep it
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setConfirmCancel(true)}
              >
                Cancel event
              </button>
            ))}
        </div>
        {event.status === 'DRAFT' && tiers.length === 0 && (
          <p className="hint">Add at least one ticket tier before publishing.</p>
        )}
        <ErrorNotice error={publishing.error ?? cancelling.error} />
      </header>

      <section className="card" aria-labelledby="sales-heading">
        <h3 id="sales-heading">
          Sales {event.status === 'ON_SALE' && <span className="live-dot" aria-label="live" />}
        </h3>
        <div className="stats">
          <div className="stat">
            <span className="stat-value" data-testid="tickets-sold">
              {sold}
            </span>
            <span className="stat-label">of {capacity} tickets sold</span>
          </div>
          <div className="stat">
            <span className="stat-value">{formatMoney(revenue, event.currency)}</span>
            <span className="stat-label">revenue</span>
          </div>
        </div>
        {tiers.length > 0 && (
          <table className="table tiers-table">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Price</th>
                <th scope="col">Sold</th>
                <th scope="col">Available</th>
                <th scope="col" className="hide-narrow">
                  Progress
                </th>
              </tr>
            </thead>
            <tbody>
              {tiers.map((t) => (
                <tr key={t.id} data-testid="tier-row">
                  <th scope="row">{t.name}</th>
                  <td>{formatMoney(t.priceCents, event.currency)}</td>
                  <td data-testid="tier-sold">
                    {t.capacity - t.available} / {t.capacity}
                  </td>
                  <td>{t.available}</td>
                  <td className="hide-narrow">
                    <progress
                      max={t.capacity}
                      value={t.capacity - t.available}
                      aria-label={`${t.name}: ${t.capacity - t.available} of ${t.capacity} sold`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {sales.length > 0 && (
          <>
            <h4>Just sold</h4>
            <ul className="sales-feed" aria-live="polite" data-testid="sales-feed">
              {sales.map((s) => (
                <li key={`${s.orderId}-${s.tierId}`}>
                  <time dateTime={s.soldAt}>{formatTime(s.soldAt)}</time>{' '}
                  {plural(s.quantity, 'ticket')} · {s.tierName} · {s.available} left
                </li>
              ))}
            </ul>
          </>
        )}
        {SCHEMA_FEATURES.salesReport && <SalesReport eventId={event.id} soldCount={sold} />}
      </section>

      {event.status !== 'CANCELLED' && <AddTierForm eventId={event.id} currency={event.currency} />}
      {event.status !== 'CANCELLED' && (
        <WaitingRoomControl eventId={event.id} timeZone={event.timeZone} />
      )}
      {event.status === 'ON_SALE' && <AnnouncementForm eventId={event.id} />}
    </div>
  );
}

function AddTierForm({ eventId, currency }: { eventId: string; currency: string }) {
  const [{ fetching, error }, addTier] = useMutation(AddTierDocument);
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [capacity, setCapacity] = useState('');
  const [added, setAdded] = useState<string | undefined>();
  const ids = { name: useId(), price: useId(), capacity: useId() };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(undefined);
    const result = await addTier({
      eventId,
      input: {
        name: name.trim(),
        priceCents: Math.round(Number(price) * 100),
        capacity: Math.floor(Number(capacity)),
      },
    });
    if (result.data) {
      setAdded(result.data.addTicketTier.name);
      setName('');
      setPrice('');
      setCapacity('');
    }
  };
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="tier-heading">
      <h3 id="tier-heading">Add a ticket tier</h3>
      <div className="form-grid form-grid-3">
        <div className="field">
          <label htmlFor={ids.name}>Tier name</label>
          <input
            id={ids.name}
            required
            placeholder="General Admission"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.price}>Price ({currency})</label>
          <input
            id={ids.price}
            type="number"
            required
            min={0}
            step="0.01"
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.capacity}>Capacity</label>
          <input
            id={ids.capacity}
            type="number"
            required
            min={1}
            step={1}
            inputMode="numeric"
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
        </div>
      </div>
      <ErrorNotice error={error} />
      {added && (
        <p role="status" className="success-text">
          Added “{added}”.
        </p>
      )}
      <button type="submit" className="button" disabled={fetching}>
        {fetching ? 'Adding…' : 'Add tier'}
      </button>
    </form>
  );
}

function AnnouncementForm({ eventId }: { eventId: string }) {
  const [{ fetching, error }, post] = useMutation(PostAnnouncementDocument);
  const [body, setBody] = useState('');
  const [posted, setPosted] = useState(false);
  const id = useId();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setPosted(false);
    const result = await post({ eventId, body: body.trim() });
    if (result.data) {
      setBody('');
      setPosted(true);
    }
  };
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="announce-heading">
      <h3 id="announce-heading">Post an announcement</h3>
      <div className="field">
        <label htmlFor={id}>Announcement</label>
        <textarea
          id={id}
          rows={3}
          required
          maxLength={2000}
          placeholder="Doors open at 19:00…"
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
        <small className="hint">Pinned at the top of the event's chat for everyone.</small>
      </div>
      <ErrorNotice error={error} />
      {posted && (
        <p role="status" className="success-text">
          Announcement posted.
        </p>
      )}
      <button type="submit" className="button" disabled={fetching || !body.trim()}>
        {fetching ? 'Posting…' : 'Post announcement'}
      </button>
    </form>
  );
}
