import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BODY_PLACEHOLDER, ChatPoster, epochNowMs, stampOf } from '../scenarios/chat-poster';

describe('a chat message’s stamp', () => {
  it('gives its number and the moment it was sent, for this step’s prefix only', () => {
    expect(stampOf('bench 1a2b3c #17@1765100000123.45', 'bench 1a2b3c #')).toEqual({
      n: 17,
      sentAt: 1765100000123.45,
    });
    expect(stampOf('bench ffffff #17@1765100000123.45', 'bench 1a2b3c #')).toBeUndefined();
    expect(stampOf('bench 1a2b3c #17', 'bench 1a2b3c #')).toBeUndefined();
  });
});

describe('the poster thread', () => {
  let server: Server;
  let url: string;
  const texts: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        texts.push((JSON.parse(body) as { body: string }).body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { postMessage: { id: String(texts.length) } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/post`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends each post on schedule, its text stamped with the moment it left', async () => {
    const poster = new ChatPoster();
    const before = epochNowMs();
    try {
      const report = await poster.step({
        postUrl: url,
        posts: [0, 1, 2].map(() => ({ json: JSON.stringify({ body: BODY_PLACEHOLDER }) })),
        prefix: 'step #',
        intervalMs: 50,
      });
      expect(report.ok.sort()).toEqual([0, 1, 2]);
      expect(report.outcomes).toEqual({ ok: 3 });
      expect(report.latencies).toHaveLength(3);
    } finally {
      await poster.close();
    }
    const stamps = texts.map((text) => stampOf(text, 'step #')!).sort((a, b) => a.n - b.n);
    expect(stamps.map((s) => s.n)).toEqual([0, 1, 2]);
    // Stamped in this clock's terms, and never ahead of its place in the schedule.
    expect(stamps[0].sentAt).toBeGreaterThanOrEqual(before);
    expect(stamps[0].sentAt).toBeLessThanOrEqual(epochNowMs());
    // The poster sends within a millisecond of each place (its first one a moment after the
    // schedule's start): never earlier than that.
    for (const s of stamps)
      expect(s.sentAt - stamps[0].sentAt).toBeGreaterThanOrEqual(s.n * 50 - 2);
  });
});
