import { ScrollRegion } from './common';
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';

const CheckInCountsDocument = graphql(`
  query CheckInCounts($id: ID!) {
    event(id: $id) {
      id
      checkIns {
        checkedIn
        sold
        tiers {
          checkedIn
          sold
          tier {
            id
            name
          }
        }
      }
    }
  }
`);

/** How often the counts are re-read: a door wants to see the room fill, not every second. */
const REFRESH_MS = 5_000;

/**
 * Checked in of sold, in all and per tier, re-read every few seconds while the page is open and
 * online (a cheap query; a door may not be able to hold a live connection). `refresh` changes
 * when the page knows the counts moved (its own check-ins synced).
 */
export function CheckInCounts({ eventId, refresh = 0 }: { eventId: string; refresh?: number }) {
  const [{ data }, reexecute] = useQuery({
    query: CheckInCountsDocument,
    variables: { id: eventId },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (navigator.onLine) reexecute({ requestPolicy: 'network-only' });
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reexecute]);
  useEffect(() => {
    if (refresh > 0) reexecute({ requestPolicy: 'network-only' });
  }, [refresh, reexecute]);

  const counts = data?.event?.checkIns;
  if (!counts) return null;
  return (
    <section className="check-in-counts" aria-label="Check-ins">
      <p className="check-in-total">
        <strong data-testid="checked-in">{counts.checkedIn}</strong> of{' '}
        <span data-testid="sold">{counts.sold}</span> checked in
      </p>
      <ScrollRegion label="Check-ins per tier">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Checked in</th>
              <th scope="col">Sold</th>
            </tr>
          </thead>
          <tbody>
            {counts.tiers.map((t) => (
              <tr key={t.tier.id}>
                <th scope="row">{t.tier.name}</th>
                <td>{t.checkedIn}</td>
                <td>{t.sold}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
