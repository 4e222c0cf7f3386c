import type { IncomingMessage } from 'node:http';
import { MAX_REQUEST_AGE_MS, requestStartOf, requestStartValue } from '../src/request-start';

const NOW = 1_800_000_000_000;
const request = (peer: string, stated?: string) =>
  ({
    headers: stated === undefined ? {} : { 'x-request-start': stated },
    socket: { remoteAddress: peer },
  }) as unknown as IncomingMessage;
const router = (address: string) => address === '10.0.0.2';

describe('requestStartOf', () => {
  it("believes the router's stated start", () => {
    expect(
      requestStartOf(request('10.0.0.2', requestStartValue(NOW - 1_234)), router, NOW),
    ).toEqual(new Date(NOW - 1_234));
  });

  it('dates a request by its arrival when nobody trusted states a start', () => {
    // A client calling the subgraph itself cannot date its request back.
    expect(requestStartOf(request('203.0.113.7', `t=${NOW - 5_000}`), router, NOW)).toEqual(
      new Date(NOW),
    );
    expect(requestStartOf(request('10.0.0.2'), router, NOW)).toEqual(new Date(NOW));
    for (const malformed of ['soon', `${NOW - 5}`, 't=', 't=-5', `t=${NOW}.5`, 't=1e12'])
      expect(requestStartOf(request('10.0.0.2', malformed), router, NOW)).toEqual(new Date(NOW));
  });

  it('never dates a request in the future, nor further back than the longest a request is held', () => {
    expect(requestStartOf(request('10.0.0.2', `t=${NOW + 60_000}`), router, NOW)).toEqual(
      new Date(NOW),
    );
    expect(requestStartOf(request('10.0.0.2', 't=0'), router, NOW)).toEqual(
      new Date(NOW - MAX_REQUEST_AGE_MS),
    );
  });
});
