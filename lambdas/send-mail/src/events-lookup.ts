import { readServiceList } from '@ko/platform/service-list';

/** What a message says about an event, as the events service has it now. */
export interface EventInfo {
  id: string;
  title: string;
  venue: string;
  city: string;
  address: string | null;
  startsAt: string;
  timeZone: string;
  currency: string;
  icalendar: string;
}

const QUERY = `query MailEvent($id: ID!) {
  event(id: $id) { id title venue city address startsAt timeZone currency icalendar }
}`;

/**
 * Asks the events service (an instance from the service list) for an event. Published and
 * cancelled events are public, so no token is needed. Null when the service answers that there
 * is no such event (nothing to retry); an error is thrown when it cannot be asked, for the event
 * source to retry the batch.
 */
export async function lookUpEvent(
  serviceListPath: string,
  eventId: string,
): Promise<EventInfo | null> {
  const entry = readServiceList(serviceListPath).subgraphs.find((s) => s.name === 'events');
  if (!entry) throw new Error(`${serviceListPath} lists no events service`);
  let lastError: unknown;
  for (const url of entry.instances) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY, variables: { id: eventId } }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as {
        data?: { event: EventInfo | null };
        errors?: Array<{ message: string }>;
      };
      if (body.data) return body.data.event;
      lastError = new Error(body.errors?.[0]?.message ?? `event ${eventId} not found`);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
