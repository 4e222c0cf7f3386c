import { REQUEST_START_HEADER } from '@ko/platform/request-start';
import { RoutingDataSource, type RouterContext } from '../src/routing';

// What the router states to a subgraph beside the query: the caller's token, the client's address,
// and when the client's request reached it.

type SendArgs = Parameters<RoutingDataSource['willSendRequest']>[0];

function sent(context: RouterContext): Headers {
  const headers = new Headers();
  new RoutingDataSource({ url: 'http://tickets.internal/graphql' }).willSendRequest({
    request: { http: { method: 'POST', url: 'http://tickets.internal/graphql', headers } },
    context,
  } as unknown as SendArgs);
  return headers;
}

describe("the router's subgraph requests", () => {
  it('state when the client request reached the router, for the subgraph to count its wait', () => {
    const headers = sent({ authorization: 'Bearer t', receivedAt: 1_800_000_000_123 });
    expect(headers.get(REQUEST_START_HEADER)).toBe('t=1800000000123');
    expect(headers.get('authorization')).toBe('Bearer t');
  });

  it('state nothing for a request the router did not receive from a client', () => {
    expect(sent({}).get(REQUEST_START_HEADER)).toBeNull();
  });
});
