import { FrameCursor, closeFrame, textFrame, textFrameOf } from '../src/websocket-frames';

const UPGRADED = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
);

/** Feeds `bytes` to a cursor in pieces of `size`, noting after each whether it stood between frames. */
function feed(cursor: FrameCursor, bytes: Buffer, size: number): boolean[] {
  const boundaries: boolean[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    cursor.advance(bytes.subarray(at, at + size));
    boundaries.push(cursor.atBoundary);
  }
  return boundaries;
}

describe('textFrame and closeFrame', () => {
  it('frames short, 16-bit and 64-bit lengths as RFC 6455 says', () => {
    expect([...textFrame('hi')]).toEqual([0x81, 2, 0x68, 0x69]);
    const medium = textFrame('x'.repeat(300));
    expect([medium[0], medium[1], medium.readUInt16BE(2), medium.length]).toEqual([
      0x81, 126, 300, 304,
    ]);
    const long = textFrame('y'.repeat(70_000));
    expect([long[1], Number(long.readBigUInt64BE(2)), long.length]).toEqual([127, 70_000, 70_010]);
    const close = closeFrame(1013, 'Too slow');
    expect([close[0], close[1], close.readUInt16BE(2), String(close.subarray(4))]).toEqual([
      0x88,
      10,
      1013,
      'Too slow',
    ]);
  });
});

describe('textFrameOf', () => {
  it('frames its parts in order exactly as textFrame frames their text, at every length class', () => {
    for (const length of [0, 100, 125, 126, 300, 65_535, 65_536, 70_000]) {
      const middle = 'é'.repeat(Math.floor(length / 2)) + 'z'.repeat(length % 2);
      const parts = ['{"id":"1","payload":', middle, '}'];
      expect(
        textFrameOf(...parts.map((p) => Buffer.from(p))).equals(textFrame(parts.join(''))),
      ).toBe(true);
    }
  });
});

describe('FrameCursor', () => {
  it('stands between frames only after whole frames, however the bytes are cut', () => {
    const frames = [textFrame('a'), textFrame('b'.repeat(300)), textFrame('c'.repeat(70_000))];
    const stream = Buffer.concat([UPGRADED, ...frames]);
    for (const size of [1, 3, 7, 64, 1_000, stream.length]) {
      const cursor = new FrameCursor();
      const boundaries = feed(cursor, stream, size);
      expect(cursor.upgraded).toBe(true);
      expect(boundaries.at(-1)).toBe(true);
      // Every cut inside the last frame's payload leaves the cursor mid-frame.
      const insideLast = stream.length - frames[2]!.length + 20;
      const cutsInside = boundaries.filter(
        (_, i) => (i + 1) * size > insideLast && (i + 1) * size < stream.length,
      );
      expect(cutsInside.every((b) => !b)).toBe(true);
    }
  });

  it('is never between frames before the 101, nor after a refusal', () => {
    const cursor = new FrameCursor();
    cursor.advance(UPGRADED.subarray(0, 20));
    expect(cursor.atBoundary).toBe(false);
    const refused = new FrameCursor();
    refused.advance(Buffer.from('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}'));
    expect([refused.upgraded, refused.atBoundary]).toEqual([false, false]);
  });

  it('follows masked frames and notes a close frame', () => {
    const masked = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x61 ^ 1, 0x62 ^ 2]);
    const cursor = new FrameCursor();
    feed(cursor, Buffer.concat([UPGRADED, masked]), 5);
    expect([cursor.atBoundary, cursor.closed]).toEqual([true, false]);
    cursor.advance(closeFrame(1000, 'bye'));
    expect(cursor.closed).toBe(true);
  });
});
