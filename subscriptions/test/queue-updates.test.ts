import { createLogger, type WaitingRoomChangedFact } from '@ko/platform';
import { Fanout } from '../src/fanout';
import { FakeSocket } from './fake-socket';
import { QueueUpdates, type QueueTicketUpdate } from '../src/queue-updates';

// Pacing of queueTicketUpdated, without Kafka: waiting.room.changed facts in, payloads out.

const socket = new FakeSocket();
const EVENT = '00000000-0000-4000-8000-00000000000e';
const ticketId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USER = '00000000-0000-4000-8000-0000000000aa';

type Listed = WaitingRoomChangedFact['tickets'][number];

const fact = (
  admittedThrough: number,
  tickets: Listed[] = [],
  phase: WaitingRoomChangedFact['phase'] = 'ADMITTING',
): WaitingRoomChangedFact => ({
  eventId: EVENT,
  phase,
  saleStartsAt: null,
  admittedThrough,
  admittedPerMinute: 60,
  tickets,
});

describe('QueueUpdates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Three fans waiting in places 1 to 3, each following their ticket. */
  async function setUp() {
    const fanout = new Fanout({ maxBufferedBytes: 1 << 20, maxQueued: 10_000, maxLagMs: 60_000 });
    const sent: QueueTicketUpdate[] = [];
    const publish = fanout.publish.bind(fanout);
    fanout.publish = (channel, key, payload) => {
      sent.push(payload as QueueTicketUpdate);
      return publish(channel, key, payload);
    };
    const lookup = (id: string) =>
      Promise.resolve({
        id,
        eventId: EVENT,
        status: 'WAITING' as const,
        place: Number(id.slice(-12)),
        position: Number(id.slice(-12)),
        estimatedWaitSeconds: null,
        admittedUntil: null,
      });
    const queue = new QueueUpdates(fanout, lookup, createLogger('test', 'silent'), 2_000);
    for (const n of [1, 2, 3]) {
      await queue.follow(ticketId(n), undefined);
      fanout.subscribe('queueTicketUpdated', ticketId(n), socket);
    }
    return { queue, sent };
  }

  const positions = (sent: QueueTicketUpdate[]) =>
    sent.map((u) => [Number(u.id.slice(-12)), u.status, u.position]);

  it('tells an admission at once, and moved positions at most once per interval with the latest', async () => {
    const { queue, sent } = await setUp();
    queue.roomChanged(fact(0));
    expect(positions(sent.splice(0))).toEqual([
      [1, 'WAITING', 1],
      [2, 'WAITING', 2],
      [3, 'WAITING', 3],
    ]);
    // The first fan is admitted 100 ms later: they hear it now, the others' positions wait.
    await jest.advanceTimersByTimeAsync(100);
    const until = new Date(Date.now() + 300_000).toISOString();
    queue.roomChanged(
      fact(1, [
        { ticketId: ticketId(1), userId: USER, status: 'ADMITTED', place: 1, admittedUntil: until },
      ]),
    );
    expect(positions(sent.splice(0))).toEqual([[1, 'ADMITTED', null]]);
    // A second admission step: still nothing for those waiting until the interval has run.
    await jest.advanceTimersByTimeAsync(100);
    queue.roomChanged(
      fact(2, [
        { ticketId: ticketId(2), userId: USER, status: 'ADMITTED', place: 2, admittedUntil: until },
      ]),
    );
    expect(positions(sent.splice(0))).toEqual([[2, 'ADMITTED', null]]);
    await jest.advanceTimersByTimeAsync(1_700);
    expect(sent).toEqual([]);
    // The interval ends: the last one waiting gets one payload, with where the room is now.
    await jest.advanceTimersByTimeAsync(200);
    expect(positions(sent.splice(0))).toEqual([[3, 'WAITING', 1]]);
  });

  it('tells every waiting fan at once when the room sells out', async () => {
    const { queue, sent } = await setUp();
    queue.roomChanged(fact(0));
    sent.splice(0);
    await jest.advanceTimersByTimeAsync(100);
    queue.roomChanged(fact(0, [], 'SOLD_OUT'));
    expect(positions(sent)).toEqual([
      [1, 'CLOSED', null],
      [2, 'CLOSED', null],
      [3, 'CLOSED', null],
    ]);
  });
});
