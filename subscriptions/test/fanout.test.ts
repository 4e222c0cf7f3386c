import { Fanout, TOO_SLOW_CLOSE_CODE } from '../src/fanout';
import { READ_LAG_PING } from '../src/read-lag';
import { FakeSocket } from './fake-socket';

const limits = { maxBufferedBytes: 1_000, maxQueued: 3, maxLagMs: 1_000 };

/** Reads what is queued for a subscription without waiting for more. */
async function drain<T>(iterator: AsyncIterableIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for (let i = 0; i < count; i++) values.push((await iterator.next()).value as T);
  return values;
}

describe('Fanout', () => {
  it('delivers to the subscriptions of that channel and event only, in order', async () => {
    const fanout = new Fanout(limits);
    const a1 = fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    const a2 = fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    const b = fanout.subscribe<string>('messagePosted', 'event-b', new FakeSocket());
    const salesA = fanout.subscribe<string>('ticketsSold', 'event-a', new FakeSocket());

    expect(fanout.publish('messagePosted', 'event-a', 'one')).toBe(2);
    expect(fanout.publish('messagePosted', 'event-a', 'two')).toBe(2);
    expect(fanout.publish('messagePosted', 'event-c', 'nobody')).toBe(0);
    expect(await drain(a1, 2)).toEqual(['one', 'two']);
    expect(await drain(a2, 2)).toEqual(['one', 'two']);

    // Nothing arrived for the others: the next value they see is the one published now.
    fanout.publish('messagePosted', 'event-b', 'for b');
    fanout.publish('ticketsSold', 'event-a', 'sale');
    expect(await drain(b, 1)).toEqual(['for b']);
    expect(await drain(salesA, 1)).toEqual(['sale']);
  });

  it('hands a listening subscription each payload as published, never queueing past its limit', () => {
    const fanout = new Fanout(limits);
    const socket = new FakeSocket();
    const sub = fanout.subscribe<string>('messagePosted', 'event-a', socket);
    fanout.publish('messagePosted', 'event-a', 'before');
    const taken: string[] = [];
    let ended = 0;
    sub.listen(
      (payload) => taken.push(payload),
      () => (ended += 1),
    );
    // More than maxQueued (3): a listener takes them as they come, so none waits to be shed for.
    for (const n of ['1', '2', '3', '4', '5']) fanout.publish('messagePosted', 'event-a', n);
    expect(taken).toEqual(['before', '1', '2', '3', '4', '5']);
    expect(socket.closedWith).toBeUndefined();
    // A socket backed up past its bound is still shed, and the listener told it ended.
    socket.bufferedAmount = 5_000;
    expect(fanout.publish('messagePosted', 'event-a', 'late')).toBe(0);
    expect(socket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    expect([taken.length, ended, fanout.size]).toEqual([6, 1, 0]);
  });

  it('forgets a subscription when its client completes it', async () => {
    const fanout = new Fanout(limits);
    const leaving = fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    fanout.subscribe<string>('queueTicketUpdated', 'ticket-1', new FakeSocket());
    expect(fanout.size).toBe(3);
    expect(fanout.sizeByChannel).toEqual({ messagePosted: 2, queueTicketUpdated: 1 });
    const pending = leaving.next();
    await leaving.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(fanout.sizeByChannel).toEqual({ messagePosted: 1, queueTicketUpdated: 1 });
    expect(fanout.publish('messagePosted', 'event-a', 'after')).toBe(1);
  });

  it('disconnects a client whose socket is backed up, and keeps delivering to the others', async () => {
    const fanout = new Fanout(limits);
    const slowSocket = new FakeSocket();
    const slow = fanout.subscribe<string>('messagePosted', 'event-a', slowSocket);
    const fast = fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    slowSocket.bufferedAmount = 5_000;

    expect(fanout.publish('messagePosted', 'event-a', 'one')).toBe(1);
    expect(slowSocket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    expect(slowSocket.closedWith?.reason).toMatch(/reconnect/);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    expect(await drain(fast, 1)).toEqual(['one']);
    expect(fanout.size).toBe(1);
    expect(fanout.dropped).toBe(1);
  });

  it('disconnects a client that does not read its queue, with the queue bounded meanwhile', async () => {
    const fanout = new Fanout(limits);
    const stuckSocket = new FakeSocket();
    const stuck = fanout.subscribe<number>('messagePosted', 'event-a', stuckSocket);
    const reader = fanout.subscribe<number>('messagePosted', 'event-a', new FakeSocket());
    const received: number[] = [];
    for (let i = 1; i <= 10; i++) {
      fanout.publish('messagePosted', 'event-a', i);
      received.push(...(await drain(reader, 1)));
    }
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stuckSocket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    expect(await stuck.next()).toEqual({ value: undefined, done: true });
  });

  it('disconnects a client whose socket has stayed backed up for longer than the lag bound', async () => {
    let now = 10_000;
    const fanout = new Fanout(limits, () => now);
    const laggingSocket = new FakeSocket();
    const lagging = fanout.subscribe<string>('messagePosted', 'event-a', laggingSocket);
    const steadySocket = new FakeSocket();
    const steady = fanout.subscribe<string>('messagePosted', 'event-a', steadySocket);
    // Both take their payloads off the queue: only the sockets' unsent bytes differ.
    const take = async () => [await drain(lagging, 1), await drain(steady, 1)];
    // A few unsent bytes, well under the byte bound, but never draining.
    laggingSocket.bufferedAmount = 100;
    expect(fanout.publish('messagePosted', 'event-a', 'one')).toBe(2);
    await take();
    // The steady one is behind for a moment too, then drains.
    steadySocket.bufferedAmount = 100;
    now = 10_900;
    expect(fanout.publish('messagePosted', 'event-a', 'two')).toBe(2);
    await take();
    steadySocket.bufferedAmount = 0;
    now = 11_001;
    expect(fanout.publish('messagePosted', 'event-a', 'three')).toBe(1);
    expect(laggingSocket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    expect(steadySocket.closedWith).toBeUndefined();
    expect(await drain(steady, 1)).toEqual(['three']);
    expect(fanout.dropped).toBe(1);
  });

  it('disconnects a client whose oldest queued payload has waited longer than the lag bound', async () => {
    let now = 20_000;
    const fanout = new Fanout({ ...limits, maxQueued: 100 }, () => now);
    const stuckSocket = new FakeSocket();
    const stuck = fanout.subscribe<string>('messagePosted', 'event-a', stuckSocket);
    const reader = fanout.subscribe<string>('messagePosted', 'event-a', new FakeSocket());
    // Both are set up (graphql-ws asked each for a payload); the stuck one never asks again.
    const first = stuck.next();
    fanout.publish('messagePosted', 'event-a', 'one');
    expect(await first).toEqual({ value: 'one', done: false });
    expect(await drain(reader, 1)).toEqual(['one']);
    now = 20_500;
    fanout.publish('messagePosted', 'event-a', 'two');
    expect(await drain(reader, 1)).toEqual(['two']);
    now = 21_400;
    fanout.publish('messagePosted', 'event-a', 'three');
    expect(await drain(reader, 1)).toEqual(['three']);
    expect(stuckSocket.closedWith).toBeUndefined();
    // 'two' has waited 1,001 ms in the stuck subscription's queue; the reader's queue is empty.
    now = 21_501;
    expect(fanout.publish('messagePosted', 'event-a', 'four')).toBe(1);
    expect(stuckSocket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    expect(await stuck.next()).toEqual({ value: undefined, done: true });
    expect(await drain(reader, 1)).toEqual(['four']);
  });

  it('does not count what waits before graphql-ws first asks (a subscription still being set up)', async () => {
    let now = 30_000;
    const fanout = new Fanout({ ...limits, maxQueued: 100 }, () => now);
    const socket = new FakeSocket();
    const settingUp = fanout.subscribe<string>('messagePosted', 'event-a', socket);
    fanout.publish('messagePosted', 'event-a', 'early');
    now = 32_000;
    fanout.publish('messagePosted', 'event-a', 'still early');
    expect(socket.closedWith).toBeUndefined();
    // Set up now: it reads what waited, and the bound counts from here.
    expect(await drain(settingUp, 2)).toEqual(['early', 'still early']);
    now = 32_500;
    fanout.publish('messagePosted', 'event-a', 'on time');
    expect(socket.closedWith).toBeUndefined();
    expect(await drain(settingUp, 1)).toEqual(['on time']);
  });

  describe('read lag, timed by pings', () => {
    it('pings a client only while it is fed, one ping at a time and a lag bound apart', () => {
      let now = 40_000;
      const fanout = new Fanout(limits, () => now);
      const fedSocket = new FakeSocket();
      const idleSocket = new FakeSocket();
      fanout.subscribe<string>('messagePosted', 'event-a', fedSocket);
      fanout.subscribe<string>('messagePosted', 'event-b', idleSocket);
      fanout.watchReaders();
      expect([fedSocket.pings.length, idleSocket.pings.length]).toEqual([0, 0]);

      fanout.publish('messagePosted', 'event-a', 'one');
      fanout.watchReaders();
      fanout.publish('messagePosted', 'event-a', 'two');
      now += 250;
      fanout.watchReaders();
      // Still waiting for the first ping's pong: no second one.
      expect(fedSocket.pings).toEqual([READ_LAG_PING]);
      expect(idleSocket.pings).toHaveLength(0);

      // A keep-alive pong (no payload) answers nothing of ours.
      fedSocket.pong(Buffer.alloc(0));
      now += 250;
      fanout.watchReaders();
      expect(fedSocket.pings).toHaveLength(1);
      // Answered after 500 ms: 'two', fed after the ping, is not known read, but pings go a lag
      // bound apart, however late the answer (a late answer may be the servers' own overload).
      fedSocket.pong(READ_LAG_PING);
      fanout.watchReaders();
      expect(fedSocket.pings).toHaveLength(1);
      now += 500;
      fanout.watchReaders();
      expect(fedSocket.pings).toHaveLength(2);
      // Answered: everything fed has been read, so no ping until it is fed again.
      fedSocket.pong(READ_LAG_PING);
      now += 1_000;
      fanout.watchReaders();
      expect(fedSocket.pings).toHaveLength(2);
      fanout.publish('messagePosted', 'event-a', 'three');
      fanout.watchReaders();
      expect(fedSocket.pings).toHaveLength(3);
      expect(fedSocket.closedWith).toBeUndefined();
    });

    it('sheds a client whose ping waits past the lag bound while it is fed more, and only it', async () => {
      let now = 50_000;
      const fanout = new Fanout({ ...limits, maxQueued: 100 }, () => now);
      const behindSocket = new FakeSocket();
      const chat = fanout.subscribe<string>('messagePosted', 'event-a', behindSocket);
      const sales = fanout.subscribe<string>('ticketsSold', 'event-a', behindSocket);
      const keepingUpSocket = new FakeSocket();
      const keepingUp = fanout.subscribe<string>('messagePosted', 'event-a', keepingUpSocket);
      const received: string[] = [];
      for (let n = 1; n <= 6; n++) {
        fanout.publish('messagePosted', 'event-a', `m${n}`);
        received.push(...(await drain(keepingUp, 1)));
        // Both take their payloads off their queues and have no unsent bytes: only the pongs differ.
        await drain(chat, 1);
        expect(fanout.watchReaders()).toBe(0);
        keepingUpSocket.pong(READ_LAG_PING);
        now += 200;
      }
      // The behind client's one ping went out at 50,000; it is now 51,200, and it was fed since.
      expect(behindSocket.pings).toHaveLength(1);
      expect(fanout.watchReaders()).toBe(1);
      expect(behindSocket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
      // Every subscription of its socket ends, not only the one that was fed.
      expect(await chat.next()).toEqual({ value: undefined, done: true });
      expect(await sales.next()).toEqual({ value: undefined, done: true });
      expect([fanout.size, fanout.dropped, behindSocket.listeningForPongs]).toEqual([1, 1, 0]);
      expect(fanout.publish('messagePosted', 'event-a', 'm7')).toBe(1);
      received.push(...(await drain(keepingUp, 1)));
      expect(received).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      expect(keepingUpSocket.closedWith).toBeUndefined();
    });

    it('does not shed a client slow to answer that was fed nothing since its ping', () => {
      let now = 60_000;
      const fanout = new Fanout(limits, () => now);
      const socket = new FakeSocket();
      fanout.subscribe<string>('messagePosted', 'event-a', socket);
      fanout.publish('messagePosted', 'event-a', 'only');
      fanout.watchReaders();
      now += 5_000;
      expect(fanout.watchReaders()).toBe(0);
      expect(socket.closedWith).toBeUndefined();
      // Fed again while its ping is still unanswered after 5 s: now it is falling behind.
      fanout.publish('messagePosted', 'event-a', 'more');
      expect(fanout.watchReaders()).toBe(1);
      expect(socket.closedWith?.code).toBe(TOO_SLOW_CLOSE_CODE);
    });

    it('stops listening for pongs once the last subscription of a socket ends', async () => {
      const fanout = new Fanout(limits);
      const socket = new FakeSocket();
      const one = fanout.subscribe<string>('messagePosted', 'event-a', socket);
      const two = fanout.subscribe<string>('messageDeleted', 'event-a', socket);
      fanout.publish('messagePosted', 'event-a', 'x');
      fanout.watchReaders();
      expect(socket.listeningForPongs).toBe(1);
      await one.return!();
      expect(socket.listeningForPongs).toBe(1);
      await two.return!();
      expect(socket.listeningForPongs).toBe(0);
    });
  });
});
