import type { DataSource } from 'typeorm';
import { TierEvents } from '../src/tier-events';

/** A data source whose one query answers after a tick, counting how often it was asked. */
function database(tiers: Record<string, string>) {
  const asked: string[] = [];
  const runner = {
    query: async (_text: string, params: unknown[]) => {
      asked.push(params[0] as string);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const eventId = tiers[params[0] as string];
      return { records: eventId ? [{ event_id: eventId }] : [] };
    },
    release: async () => undefined,
  };
  const db = { manager: { connection: { createQueryRunner: () => runner } } };
  return { db: db as unknown as DataSource, asked };
}

describe('TierEvents', () => {
  it('asks the database once for a tier however many buyers ask at once, then remembers', async () => {
    const { db, asked } = database({ 'tier-1': 'event-1' });
    const tierEvents = new TierEvents(db);
    const answers = await Promise.all(Array.from({ length: 200 }, () => tierEvents.of('tier-1')));
    expect(new Set(answers)).toEqual(new Set(['event-1']));
    expect(await tierEvents.of('tier-1')).toBe('event-1');
    expect(asked).toEqual(['tier-1']);
  });

  it('does not remember a tier that does not exist yet, and asks again later', async () => {
    const { db, asked } = database({});
    const tierEvents = new TierEvents(db);
    const answers = await Promise.all([tierEvents.of('tier-2'), tierEvents.of('tier-2')]);
    expect(answers).toEqual([undefined, undefined]);
    expect(await tierEvents.of('tier-2')).toBeUndefined();
    expect(asked).toEqual(['tier-2', 'tier-2']);
  });
});
