import { SendBacklog } from '../src/slow-readers';

const limits = { maxBufferedBytes: 1_000, maxLagMs: 500 };

describe('SendBacklog', () => {
  it('is too far behind past the byte bound, at once', () => {
    expect(new SendBacklog().tooFar(1_001, 0, limits)).toBe(true);
    expect(new SendBacklog().tooFar(1_000, 0, limits)).toBe(false);
  });

  it('is too far behind after holding unsent bytes all along for longer than the lag bound', () => {
    const backlog = new SendBacklog();
    expect(backlog.tooFar(10, 0, limits)).toBe(false);
    expect(backlog.tooFar(10, 500, limits)).toBe(false);
    expect(backlog.tooFar(10, 501, limits)).toBe(true);
  });

  it('starts counting again once the socket was drained', () => {
    const backlog = new SendBacklog();
    backlog.tooFar(10, 0, limits);
    expect(backlog.tooFar(0, 400, limits)).toBe(false);
    expect(backlog.tooFar(10, 450, limits)).toBe(false);
    expect(backlog.tooFar(10, 900, limits)).toBe(false);
    expect(backlog.tooFar(10, 951, limits)).toBe(true);
  });
});
