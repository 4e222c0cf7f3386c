import { EventsClient, type EventDetails } from '../src/events-client';

// The one client tickets has for the events service, with a scripted service.

const event: EventDetails = {
  id: '33333333-3333-4333-8333-333333333333',
  title: 'Night at the Arena',
  venue: 'The Arena',
  city: 'Lisbon',
  startsAt: '2031-06-01T20:00:00.000Z',
  timeZone: 'Europe/Lisbon',
  currency: 'EUR',
  address: null,
  status: 'ON_SALE',
  organizerId: '66666666-6666-4666-8666-666666666666',
};
const draft: EventDetails = {
  ...event,
  id: '99999999-9999-4999-8999-999999999999',
  status: 'DRAFT',
};
const other = { ...event, id: '77777777-7777-4777-8777-777777777777' };
const missing = '88888888-8888-4888-8888-888888888888';

function scripted(known: EventDetails[]) {
  const queries: Array<{ ids: string[]; authorization: string | undefined }> = [];
  const client = new EventsClient({
    query: async <T>(
      _query: string,
      variables: Record<string, unknown>,
      authorization?: string,
    ) => {
      const ids = (variables.representations as Array<{ id: string }>).map((r) => r.id);
      queries.push({ ids, authorization });
      return {
        _entities: ids.map((id) => {
          const e = known.find((k) => k.id === id);
          if (!e) return null;
          const { organizerId, ...rest } = e;
          return { ...rest, organizer: { id: organizerId } };
        }),
      } as T;
    },
  });
  return { client, queries };
}

it('asks the events service once for a batch, in the order asked, skipping bad ids', async () => {
  const { client, queries } = scripted([event, other]);
  const found = await client.find([event.id, 'not-an-id', other.id, missing, event.id], 'Bearer t');
  expect(queries).toEqual([{ ids: [event.id, other.id, missing], authorization: 'Bearer t' }]);
  expect(found.map((e) => e?.id ?? null)).toEqual([event.id, null, other.id, null, event.id]);
  expect(found[0]).toEqual(event);
});

it('asks every time unless the caller accepts an answer of a given age', async () => {
  const { client, queries } = scripted([event]);
  await client.get(event.id, undefined);
  await client.get(event.id, undefined);
  expect(queries).toHaveLength(2);
  expect(await client.get(event.id, undefined, { maxAgeMs: 60_000 })).toEqual(event);
  expect(queries).toHaveLength(2);
});

it('never remembers a draft: whether one sees it depends on who asks', async () => {
  const { client, queries } = scripted([draft]);
  expect(await client.get(draft.id, 'Bearer organizer')).toEqual(draft);
  expect(await client.get(draft.id, 'Bearer someone', { maxAgeMs: 60_000 })).toEqual(draft);
  expect(queries.map((q) => q.authorization)).toEqual(['Bearer organizer', 'Bearer someone']);
});
