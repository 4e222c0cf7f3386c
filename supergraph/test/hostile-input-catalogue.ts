import fc from 'fast-check';

// The hostile-input suite's catalogue: every mutation and list with the variables any client
// could send it, the inputs that once slipped through, and the error codes a typed answer may
// carry. `tokens` and `ids` are filled in by the suite's set-up, before any is drawn.

export const ALLOWED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'SOLD_OUT',
  'CONFLICT',
  'RATE_LIMITED',
  'HOLD_EXPIRED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_EXPENSIVE',
  'RESPONSE_TOO_LARGE',
]);

export const tokens: { fan: string; organizer: string } = { fan: '', organizer: '' };
export const ids: { event: string; tier: string; hold: string; message: string; code: string } = {
  event: '',
  tier: '',
  hold: '',
  message: '',
  code: '',
};

/** Anything a client might put in a variable: right and wrong types, edge values, real ids. */
const anything = () =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '<script>alert(1)</script>',
      "'; DROP TABLE users; --",
      'x'.repeat(5_000),
      '2031-01-01T00:00:00Z',
      'not-a-date',
    ),
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1.5, Number.NaN),
    fc.boolean(),
    fc.constant(null),
    fc.uuid(),
    fc
      .constantFrom(
        () => ids.event,
        () => ids.tier,
        () => ids.hold,
        () => ids.message,
        () => ids.code,
      )
      .map((f) => f()),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  );

/**
 * Cursors as a client could forge them: base64url JSON of a timestamp and an id, with timestamps
 * outside what PostgreSQL holds (year 0, year 275760, numbers) and anything else.
 */
const forgedCursor = () =>
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(
          '+275760-09-13T00:00:00.000Z',
          '-271821-04-20T00:00:00.000Z',
          '0000-01-01T00:00:00.000Z',
          '+010000-01-01T00:00:00.000Z',
          '9999-12-31T23:59:59.999Z',
          '2031-06-01T20:00:00.000Z',
        ),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.integer(),
        anything(),
      ),
      fc.oneof(fc.uuid(), anything()),
    )
    .map((pair) => Buffer.from(JSON.stringify(pair)).toString('base64url'));

/** Text built to look like something else: control characters, direction overrides, nothing visible. */
const deceptiveText = () =>
  fc.constantFrom(
    '\u200b\u200c\u200d\u2060',
    '\u00ad\ufeff',
    '\u3164\u2800',
    'Aurora\u202eeviL',
    'Aurora\u2066Live\u2069',
    'bell\u0007',
    'esc\u001b[31m',
    'del\u007f',
    '\ud800 lone surrogate',
    'Aurora Live',
    ' aurora  LIVE ',
  );

const objectOf = (keys: string[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, anything()])), { requiredKeys: [] });

export const MUTATIONS: Array<[string, string, fc.Arbitrary<Record<string, unknown>>]> = [
  [
    'register',
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    fc.record({ i: objectOf(['email', 'password', 'name', 'role']) }),
  ],
  [
    'login',
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    fc.record({ e: anything(), p: anything() }),
  ],
  [
    'createEvent',
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    fc.record({ i: objectOf(['title', 'description', 'category', 'venue', 'city', 'startsAt']) }),
  ],
  [
    'updateEvent',
    'mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { id } }',
    fc.record({ id: anything(), i: objectOf(['title', 'city', 'startsAt']) }),
  ],
  [
    'publishEvent',
    'mutation($id: ID!) { publishEvent(id: $id) { id } }',
    fc.record({ id: anything() }),
  ],
  [
    'cancelEvent',
    'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
    fc.record({ id: anything() }),
  ],
  [
    'addTicketTier',
    'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
    fc.record({ e: anything(), t: objectOf(['name', 'priceCents', 'capacity']) }),
  ],
  [
    'reserveTickets',
    'mutation($i: ReserveInput!) { reserveTickets(input: $i) { id } }',
    fc.record({ i: objectOf(['tierId', 'quantity']) }),
  ],
  [
    'checkout',
    'mutation($h: ID!, $k: String!) { checkout(holdId: $h, idempotencyKey: $k) { id } }',
    fc.record({ h: anything(), k: anything() }),
  ],
  [
    'purchaseTickets',
    'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
    fc.record({ i: objectOf(['tierId', 'quantity', 'idempotencyKey']) }),
  ],
  [
    'checkInTicket',
    'mutation($c: String!) { checkInTicket(code: $c) { id } }',
    fc.record({ c: anything() }),
  ],
  [
    'postMessage',
    'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
    fc.record({ e: anything(), b: anything() }),
  ],
  [
    'postAnnouncement',
    'mutation($e: ID!, $b: String!) { postAnnouncement(eventId: $e, body: $b) { id } }',
    fc.record({ e: anything(), b: anything() }),
  ],
  ['deleteMessage', 'mutation($id: ID!) { deleteMessage(id: $id) }', fc.record({ id: anything() })],
  [
    'register (names)',
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    fc.record({
      i: fc.record({
        email: fc.uuid().map((u) => `${u}@fuzz.example`),
        password: fc.constant('password-123'),
        name: fc.oneof(deceptiveText(), anything()),
        role: fc.constantFrom('FAN', 'ORGANIZER', null, 'ADMIN', undefined),
      }),
    }),
  ],
  [
    'deleteAccount',
    'mutation($p: String!) { deleteAccount(password: $p) }',
    fc.record({ p: anything() }),
  ],
  [
    'events (cursor and filter)',
    'query($f: EventFilter, $n: Int, $a: String) { events(filter: $f, first: $n, after: $a) { edges { cursor } } }',
    fc.record({
      f: fc.oneof(fc.constant(null), objectOf(['search', 'category', 'city', 'from', 'to'])),
      n: fc.oneof(fc.constant(5), anything()),
      a: fc.oneof(forgedCursor(), anything()),
    }),
  ],
  [
    'salesReport (bucket)',
    'query($id: ID!, $b: SalesBucket) { event(id: $id) { salesReport(bucket: $b) { ticketsSold } } }',
    fc.record({
      id: fc.oneof(
        fc.constant(null).map(() => ids.event),
        anything(),
      ),
      b: fc.oneof(fc.constantFrom(null, 'HOUR', 'DAY', 'WEEK'), anything()),
    }),
  ],
  [
    'createEvent (deceptive text)',
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    fc.record({
      i: fc.record({
        title: deceptiveText(),
        description: deceptiveText(),
        category: fc.constant('Music'),
        venue: deceptiveText(),
        city: deceptiveText(),
        startsAt: fc.constant('2031-01-01T00:00:00Z'),
      }),
    }),
  ],
  [
    'addTicketTier (deceptive name)',
    'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
    fc.record({
      e: fc.constant(null).map(() => ids.event),
      t: fc.record({
        name: deceptiveText(),
        priceCents: fc.constant(100),
        capacity: fc.constant(1),
      }),
    }),
  ],
  [
    'postMessage (deceptive body)',
    'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
    fc.record({ e: fc.constant(null).map(() => ids.event), b: deceptiveText() }),
  ],
];

/** Inputs that once came back INTERNAL_SERVER_ERROR, or slipped through, each with its answer. */
export const KNOWN: Array<
  [string, string, () => Record<string, unknown>, 'fan' | 'organizer' | null]
> = [
  [
    'a cursor in year 275760',
    'query($a: String) { events(after: $a) { totalCount } }',
    () => ({
      a: Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', ids.event])).toString(
        'base64url',
      ),
    }),
    null,
  ],
  [
    'a cursor in year 0',
    'query($a: String) { events(after: $a) { totalCount } }',
    () => ({
      a: Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000Z', ids.event])).toString('base64url'),
    }),
    null,
  ],
  [
    'a filter starting in year 0',
    'query($f: EventFilter) { events(filter: $f) { totalCount } }',
    () => ({ f: { from: '0000-01-01T00:00:00Z' } }),
    null,
  ],
  [
    'a null role',
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    () => ({
      i: { email: 'null-role@fuzz.example', password: 'password-123', name: 'N', role: null },
    }),
    null,
  ],
  [
    'a name of zero-width characters',
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    () => ({ i: { email: 'zw@fuzz.example', password: 'password-123', name: '\u200b\u200d' } }),
    null,
  ],
  [
    'a title with a right-to-left override',
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    () => ({
      i: {
        title: 'Free \u202eseert',
        description: '',
        category: 'Music',
        venue: 'Hall',
        city: 'Riga',
        startsAt: '2031-06-01T20:00:00Z',
      },
    }),
    'organizer',
  ],
  [
    'a chat message of invisible characters',
    'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
    () => ({ e: ids.event, b: '\u2800\u3164\u200b' }),
    'fan',
  ],
  [
    'a tier name with a control character',
    'mutation($e: ID!, $t: TicketTierInput!) { addTicketTier(eventId: $e, input: $t) { id } }',
    () => ({ e: ids.event, t: { name: 'VIP\u001b[2J', priceCents: 100, capacity: 1 } }),
    'organizer',
  ],
];

/** Every list's size argument (and cursor), as any client could send them. */
export const LIST_QUERIES: Array<[string, string, fc.Arbitrary<Record<string, unknown>>]> = [
  [
    'events',
    'query($n: Int, $a: String) { events(first: $n, after: $a) { edges { node { id } } } }',
    fc.record({ n: anything(), a: anything() }),
  ],
  [
    'organizedEvents',
    'query($n: Int, $m: Int) { me { organizedEvents(first: $n) { id organizer { organizedEvents(first: $m) { id } } } } }',
    fc.record({ n: anything(), m: anything() }),
  ],
  [
    'tickets and orders',
    'query($n: Int, $m: Int) { me { tickets(first: $n) { id } orders(first: $m) { id quantity tickets { id } } } }',
    fc.record({ n: anything(), m: anything() }),
  ],
  [
    'messages and announcements',
    'query($e: ID!, $n: Int, $b: String, $m: Int) { event(id: $e) { messages(first: $n, before: $b) { edges { node { id } } } announcements(first: $m) { id } } }',
    fc.record({ e: anything(), n: anything(), b: anything(), m: anything() }),
  ],
];
