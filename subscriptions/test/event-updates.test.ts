import { createLogger } from '@ko/platform';
import { EventUpdates, type TierAvailability } from '../src/event-updates';
import { Fanout } from '../src/fanout';
import { FakeSocket } from './fake-socket';

// Coalescing and merging of eventUpdated, without Kafka: facts in, payloads out.

const socket = new FakeSocket();
const tier = (tierId: string, available: number): TierAvailability => ({
  tierId,
  name: tierId.toUpperCase(),
  available,
});
/** The tier as eventUpdated shows it. */
const shown = (tierId: string, available: number, onSale = true) => ({
  ...tier(tierId, available),
  onSale,
});

describe('EventUpdates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  async function setUp(baseline: TierAvailability[]) {
    const fanout = new Fanout({ maxBufferedBytes: 1 << 20, maxQueued: 10_000, maxLagMs: 60_000 });
    const published: unknown[] = [];
    const publish = fanout.publish.bind(fanout);
    fanout.publish = (channel, eventId, payload) => {
      published.push(payload);
      return publish(channel, eventId, payload);
    };
    const updates = new EventUpdates(
      fanout,
      () => Promise.resolve(baseline),
      250,
      createLogger('test', 'silent'),
    );
    updates.follow('e1', 'ON_SALE');
    const subscription = fanout.subscribe('eventUpdated', 'e1', socket);
    await jest.advanceTimersByTimeAsync(0);
    // The follower's greeting: the state it starts from.
    const greeting = published.splice(0);
    return { updates, published, subscription, fanout, greeting };
  }

  it('greets each new follower with the current state, so a change just before it is not missed', async () => {
    const { updates, published, fanout, greeting } = await setUp([tier('a', 8)]);
    expect(greeting).toEqual([{ eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 8)] }]);
    // A sale lands, then a second follower arrives: it starts from the state after that sale.
    updates.tiersChanged('e1', [tier('a', 6)]);
    await jest.advanceTimersByTimeAsync(300);
    updates.follow('e1', 'ON_SALE');
    fanout.subscribe('eventUpdated', 'e1', socket);
    await jest.advanceTimersByTimeAsync(300);
    expect(published).toEqual([
      { eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 6)] },
      { eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 6)] },
    ]);
  });

  it('coalesces a rush into at most one payload per interval, carrying the latest state', async () => {
    const { updates, published } = await setUp([tier('a', 1000), tier('b', 50)]);
    // 1,000 sales over one second: 4 intervals of 250 ms.
    for (let sold = 1; sold <= 1000; sold++) {
      updates.tiersChanged('e1', [tier('a', 1000 - sold)]);
      await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(250);
    expect(published.length).toBeGreaterThanOrEqual(4);
    expect(published.length).toBeLessThanOrEqual(6);
    expect(published.at(-1)).toEqual({
      eventId: 'e1',
      status: 'ON_SALE',
      tiers: [shown('a', 0), shown('b', 50)],
    });
  });

  it("keeps a tier's fact over an older answer of the tickets service, and CANCELLED for good", async () => {
    const { updates, published } = await setUp([tier('a', 10)]);
    updates.tiersChanged('e1', [tier('a', 7)]);
    await jest.advanceTimersByTimeAsync(300);
    updates.statusChanged('e1', 'CANCELLED');
    await jest.advanceTimersByTimeAsync(300);
    updates.statusChanged('e1', 'ON_SALE');
    updates.tiersChanged('e1', [tier('a', 9)]);
    await jest.advanceTimersByTimeAsync(300);
    expect(published).toEqual([
      { eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 7)] },
      { eventId: 'e1', status: 'CANCELLED', tiers: [shown('a', 0, false)] },
      { eventId: 'e1', status: 'CANCELLED', tiers: [shown('a', 0, false)] },
    ]);
  });

  it("pushes an update at each edge of a tier's sale window, and keeps the window over a sale's fact", async () => {
    const start = Date.now() + 60_000;
    const end = start + 60_000;
    const windowed = {
      ...tier('a', 10),
      salesStartAt: new Date(start).toISOString(),
      salesEndAt: new Date(end).toISOString(),
    };
    const { updates, published, greeting } = await setUp([windowed, tier('b', 5)]);
    expect(greeting).toEqual([
      { eventId: 'e1', status: 'ON_SALE', tiers: [{ ...windowed, onSale: false }, shown('b', 5)] },
    ]);
    // A sale of the tier (its fact has no window) before the start: the window stays.
    updates.tiersChanged('e1', [tier('a', 9)]);
    await jest.advanceTimersByTimeAsync(300);
    expect(published.splice(0)).toEqual([
      {
        eventId: 'e1',
        status: 'ON_SALE',
        tiers: [{ ...windowed, available: 9, onSale: false }, shown('b', 5)],
      },
    ]);
    // Nothing else happens until the start; then the sale opens by itself, and later closes.
    await jest.advanceTimersByTimeAsync(start - Date.now() - 100);
    expect(published).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);
    expect(published.splice(0)).toEqual([
      {
        eventId: 'e1',
        status: 'ON_SALE',
        tiers: [{ ...windowed, available: 9, onSale: true }, shown('b', 5)],
      },
    ]);
    await jest.advanceTimersByTimeAsync(end - Date.now() + 100);
    expect(published.splice(0)).toEqual([
      {
        eventId: 'e1',
        status: 'ON_SALE',
        tiers: [{ ...windowed, available: 9, onSale: false }, shown('b', 5)],
      },
    ]);
  });

  it("does not let a tier's older change from the other topic undo a later sale", async () => {
    const { updates, published } = await setUp([tier('a', 10)]);
    const sold = { topic: 'tickets.sold', at: 2_000 };
    const added = { topic: 'tickets.availability', at: 1_000 };
    // The sale is read first, then the tier's creation, which happened before it.
    updates.tiersChanged('e1', [tier('a', 7)], sold);
    updates.tiersChanged('e1', [tier('a', 10)], added);
    await jest.advanceTimersByTimeAsync(300);
    expect(published).toEqual([{ eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 7)] }]);
    // A later change from that topic counts (a hold taken after the sale), and so does the
    // next fact on the same topic, whatever its time says: a topic is in order for an event.
    updates.tiersChanged('e1', [tier('a', 5)], { topic: 'tickets.availability', at: 3_000 });
    updates.tiersChanged('e1', [tier('a', 6)], { topic: 'tickets.availability', at: 2_500 });
    await jest.advanceTimersByTimeAsync(300);
    expect(published.at(-1)).toEqual({ eventId: 'e1', status: 'ON_SALE', tiers: [shown('a', 6)] });
  });

  it('forgets an event when its last follower leaves', async () => {
    const { updates, published, subscription } = await setUp([tier('a', 10)]);
    expect(updates.size).toBe(1);
    await subscription.return!();
    expect(updates.size).toBe(0);
    updates.tiersChanged('e1', [tier('a', 3)]);
    await jest.advanceTimersByTimeAsync(300);
    expect(published).toEqual([]);
  });
});
