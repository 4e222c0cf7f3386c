import { describeError, errorCode, retryAfterSeconds } from '../src/lib/errors';
import { safeReturnPath } from '../src/lib/format';

const failure = (
  code: string,
  message = 'raw message',
  extensions: Record<string, unknown> = {},
) => ({
  graphQLErrors: [{ message, extensions: { code, ...extensions } }],
});

describe('error codes in plain words', () => {
  it.each([
    [
      failure('SOLD_OUT', 'Only 3 VIP tickets are left.', { available: 3 }),
      'Sold out — only 3 left. Pick 3 or fewer.',
    ],
    [
      failure('SOLD_OUT', 'VIP is sold out.', { available: 0 }),
      'Sold out — there are no tickets left in this tier.',
    ],
    [
      failure('RATE_LIMITED', 'You are posting too fast', { retryAfterSeconds: 7 }),
      "You're sending messages too fast, try again in 7 s.",
    ],
    [
      failure('SERVICE_UNAVAILABLE', 'too busy', { retryAfterSeconds: 1 }),
      'KO Ticket Master is very busy right now, try again in 1 s.',
    ],
    [
      failure('SERVICE_UNAVAILABLE', 'The chat service is unavailable'),
      "We can't reach KO Ticket Master right now. Check your connection and try again.",
    ],
    [
      failure('HOLD_EXPIRED'),
      'Your hold expired and the tickets went back on sale. Reserve again to buy.',
    ],
    [failure('UNAUTHENTICATED'), 'Your session has ended. Please sign in again.'],
    [failure('BAD_USER_INPUT', 'Choose 1 to 8 tickets.'), 'Choose 1 to 8 tickets.'],
    [
      failure('INTERNAL_SERVER_ERROR', 'TypeError: cannot read x of undefined'),
      'Something went wrong on our side. Please try again.',
    ],
    [failure('PERSISTED_QUERY_NOT_ALLOWED'), 'This page is out of date. Reload it to continue.'],
    [
      { networkError: new Error('Failed to fetch') },
      "We can't reach KO Ticket Master right now. Check your connection and try again.",
    ],
  ])('%j reads "%s"', (error, text) => {
    expect(describeError(error)).toBe(text);
  });

  it('never shows a raw internal message, even under a code that usually has a readable one', () => {
    const text = describeError(
      failure('BAD_USER_INPUT', 'Internal error at Object.<anonymous> (/app/dist/x.js:1:1)'),
    );
    expect(text).toBe('Please check what you entered and try again.');
  });

  it('lets a page word a code for its context', () => {
    expect(
      describeError(failure('UNAUTHENTICATED'), {
        UNAUTHENTICATED: "That email and password don't match an account.",
      }),
    ).toBe("That email and password don't match an account.");
  });

  it('reads the retry delay and the code', () => {
    expect(retryAfterSeconds(failure('RATE_LIMITED', '', { retryAfterSeconds: 2.2 }))).toBe(3);
    expect(retryAfterSeconds(failure('RATE_LIMITED'))).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
    expect(errorCode({ networkError: new Error('x') })).toBe('NETWORK');
  });
});

describe('the return path after signing in', () => {
  it.each([
    ['/events/42?x=1', '/events/42?x=1'],
    ['//evil.example/steal', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    [null, '/'],
  ])('%s goes to %s', (next, path) => {
    expect(safeReturnPath(next)).toBe(path);
  });
});
