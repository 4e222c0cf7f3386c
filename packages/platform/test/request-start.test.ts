import type { IncomingMessage } from 'node:http';
import { REQUEST_START_HEADER, requestStartOf, requestStartStamp } from '../src/request-start';

const ROUTER = '10.0.0.2';
const trustRouter = (address: string) => address === ROUTER;
const NOW = 1_800_000_000_000;

function request(peer: string, stamp?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: stamp === undefined ? {} : { [REQUEST_START_HEADER]: stamp },
  } as unknown as IncomingMessage;
}

describe('requestStartOf', () => {
  it("believes the trusted router's stamp, so the client's wait at the router counts", () => {
    expect(requestStartOf(request(ROUTER, requestStartStamp(NOW - 420)), trustRouter, NOW)).toBe(
      NOW - 420,
    );
  });

  it('ignores a stamp from anyone else: a caller cannot make its request look older', () => {
    expect(requestStartOf(request('10.0.0.9', `t=${NOW - 30_000}`), trustRouter, NOW)).toBe(NOW);
  });

  it('falls back to its own arrival without a stamp, or with one that is malformed or not sane', () => {
    for (const stamp of [undefined, 'soon', `t=${NOW}.5`, `t=${NOW - 61_000}`, `t=${NOW + 1_500}`])
      expect(requestStartOf(request(ROUTER, stamp), trustRouter, NOW)).toBe(NOW);
  });

  it("takes a stamp a little ahead (the hosts' clocks drift) as now", () => {
    expect(requestStartOf(request(ROUTER, `t=${NOW + 300}`), trustRouter, NOW)).toBe(NOW);
  });
});
