import { useState, type FormEvent } from 'react';
import { useClient, useQuery } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, ScrollRegion, StatusBadge } from './common';
import { downloadFile } from '../lib/download';
import { formatDateTime } from '../lib/format';
import type { ErrorLike } from '../lib/errors';

const AttendeesDocument = graphql(`
  query Attendees($id: ID!, $first: Int, $after: String, $search: String) {
    event(id: $id) {
      id
      attendees(first: $first, after: $after, search: $search) {
        edges {
          cursor
          node {
            name
            email
            orderId
            checkedInAt
            ticket {
              id
              status
              tier {
                id
                name
              }
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
        totalCount
      }
    }
  }
`);

const AttendeesCsvDocument = graphql(`
  query AttendeesCsv($id: ID!) {
    event(id: $id) {
      id
      attendeesCsv
    }
  }
`);

const PAGE_SIZE = 50;

/** Hands a text over as a file download (a blob: URL, allowed by the page's CSP). */
/**
 * The event's attendee list for its organizer: one row per ticket with the buyer, searchable by
 * name, e-mail or code, a page at a time, and the whole list as a CSV download.
 */
export function AttendeesPanel({ eventId, title }: { eventId: string; title: string }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState('');
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: AttendeesDocument,
    variables: { id: eventId, first: PAGE_SIZE, after, search: term || null },
    requestPolicy: 'cache-and-network',
  });
  const connection = data?.event?.attendees;
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<ErrorLike | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAfter(null);
    setTerm(search.trim());
  };

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    const result = await client
      .query(AttendeesCsvDocument, { id: eventId }, { requestPolicy: 'network-only' })
      .toPromise();
    setExporting(false);
    const csv = result.data?.event?.attendeesCsv;
    if (csv === undefined) return setExportError(result.error ?? { networkError: new Error() });
    // The byte-order mark makes spreadsheets read the file as UTF-8 (names in any script).
    const file = new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' });
    downloadFile(file, `attendees-${title.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60)}.csv`);
  };

  const rows = connection?.edges ?? [];
  return (
    <section className="card" aria-labelledby="attendees-heading">
      <h3 id="attendees-heading">Attendees</h3>
      <form className="attendee-search" onSubmit={submit} role="search">
        <label htmlFor="attendee-search" className="visually-hidden">
          Search attendees
        </label>
        <input
          id="attendee-search"
          type="search"
          placeholder="Name, e-mail or ticket code"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" className="button button-small">
          Search
        </button>
        <button
          type="button"
          className="button button-small button-ghost"
          onClick={() => void exportCsv()}
          disabled={exporting}
        >
          {exporting ? 'Preparing…' : 'Download CSV'}
        </button>
      </form>
      <ErrorNotice error={error ?? exportError} />
      {connection && (
        <p className="muted" data-testid="attendee-count">
          {connection.totalCount} {connection.totalCount === 1 ? 'ticket' : 'tickets'}
          {term ? ` matching “${term}”` : ''}
        </p>
      )}
      {rows.length > 0 && (
        <ScrollRegion label="Attendees table" className="attendee-table">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Tier</th>
                <th scope="col">Status</th>
                <th scope="col">Checked in</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ node }) => (
                <tr key={node.ticket.id}>
                  <td>{node.name}</td>
                  <td>{node.email}</td>
                  <td>{node.ticket.tier.name}</td>
                  <td>
                    <StatusBadge status={node.ticket.status} />
                  </td>
                  <td>{node.checkedInAt ? formatDateTime(node.checkedInAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <div className="attendee-pages">
        {after && (
          <button
            type="button"
            className="button button-small button-ghost"
            onClick={() => setAfter(null)}
          >
            First page
          </button>
        )}
        {connection?.pageInfo.hasNextPage && (
          <button
            type="button"
            className="button button-small"
            disabled={fetching}
            onClick={() => setAfter(connection.pageInfo.endCursor ?? null)}
          >
            Next page
          </button>
        )}
      </div>
    </section>
  );
}
