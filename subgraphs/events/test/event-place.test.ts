import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

// Where, when (in whose clock) and in what money an event happens, and its calendar entry.

const FIELDS = 'id status startsAt timeZone currency address';
const CREATE = `mutation Create($input: CreateEventInput!) { createEvent(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateEventInput!) { updateEvent(id: $id, input: $input) { ${FIELDS} } }`;
const PUBLISH = 'mutation Publish($id: ID!) { publishEvent(id: $id) { id status } }';
const CALENDAR = 'query Calendar($id: ID!) { event(id: $id) { icalendar } }';

let stack: Stack;
let url: string;
let organizer: string;

const details = (overrides: Record<string, unknown> = {}) => ({
  title: 'Broadway Night',
  description: 'A musical.',
  category: 'Theatre',
  venue: 'Broadway Theatre',
  city: 'New York',
  // 19:30 in New York (EST) on 9 January 2031.
  startsAt: '2031-01-10T00:30:00.000Z',
  ...overrides,
});

async function create(overrides: Record<string, unknown> = {}) {
  return graphql(url, CREATE, { input: details(overrides) }, organizer);
}

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  url = stack.routerUrl;
  const registered = await graphql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    {
      i: {
        email: 'place-org@example.com',
        password: 'password-123',
        name: 'Olga',
        role: 'ORGANIZER',
      },
    },
  );
  organizer = registered.data!.register.token;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('time zone, currency and address', () => {
  it('keeps what the organizer gives, and defaults to UTC, EUR and no address', async () => {
    const given = await create({
      timeZone: 'America/New_York',
      currency: 'usd',
      address: ' 1681 Broadway, New York, NY 10019 ',
    });
    expect(given.errors).toBeUndefined();
    expect(given.data!.createEvent).toMatchObject({
      startsAt: '2031-01-10T00:30:00.000Z',
      timeZone: 'America/New_York',
      currency: 'USD',
      address: '1681 Broadway, New York, NY 10019',
    });
    const plain = await create();
    expect(plain.data!.createEvent).toMatchObject({
      timeZone: 'UTC',
      currency: 'EUR',
      address: null,
    });
  });

  it('refuses an unknown zone, an offset for a zone and an unknown currency (BAD_USER_INPUT)', async () => {
    for (const timeZone of ['Mars/Olympus_Mons', '+01:00', 'Europe/Berlin; DROP', ''])
      expect(errorCodes(await create({ timeZone }))).toEqual(['BAD_USER_INPUT']);
    for (const currency of ['EURO', 'ABC', '$'])
      expect(errorCodes(await create({ currency }))).toEqual(['BAD_USER_INPUT']);
    const event = (await create()).data!.createEvent;
    const bad = await graphql(
      url,
      UPDATE,
      { id: event.id, input: { timeZone: 'Nowhere/Land' } },
      organizer,
    );
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0]!.extensions!.field).toBe('timeZone');
  });

  it('moves the zone with updateEvent, and the currency only while the event is a draft', async () => {
    const event = (await create()).data!.createEvent;
    const moved = await graphql(
      url,
      UPDATE,
      {
        id: event.id,
        input: { timeZone: 'Europe/Berlin', currency: 'GBP', address: 'Alexanderplatz 1' },
      },
      organizer,
    );
    expect(moved.data!.updateEvent).toMatchObject({
      timeZone: 'Europe/Berlin',
      currency: 'GBP',
      address: 'Alexanderplatz 1',
    });
    await graphql(url, PUBLISH, { id: event.id }, organizer);
    const priced = await graphql(
      url,
      UPDATE,
      { id: event.id, input: { currency: 'USD' } },
      organizer,
    );
    expect(errorCodes(priced)).toEqual(['CONFLICT']);
    const same = await graphql(
      url,
      UPDATE,
      { id: event.id, input: { currency: 'gbp', address: '' } },
      organizer,
    );
    expect(same.data!.updateEvent).toMatchObject({ currency: 'GBP', address: null });
  });
});

describe('icalendar', () => {
  it("is one VEVENT starting at the venue's wall-clock time, with its TZID and the zone's definition", async () => {
    const event = (await create({ timeZone: 'America/New_York', address: '1681 Broadway' })).data!
      .createEvent;
    await graphql(url, PUBLISH, { id: event.id }, organizer);
    const anonymous = await graphql(url, CALENDAR, { id: event.id });
    const ics: string = anonymous.data!.event.icalendar;
    const lines = ics.split(/\r\n/);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContain('DTSTART;TZID=America/New_York:20310109T193000');
    const zone = ics.slice(ics.indexOf('BEGIN:VTIMEZONE'), ics.indexOf('END:VTIMEZONE'));
    expect(zone).toContain('TZID:America/New_York');
    expect(zone).toContain('TZOFFSETTO:-0500');
    expect(lines).toContain('SUMMARY:Broadway Night');
    expect(lines).toContain('LOCATION:Broadway Theatre\\, 1681 Broadway\\, New York');
    expect(ics.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
  });

  it('starts in UTC for an event in UTC', async () => {
    const event = (await create()).data!.createEvent;
    const ics: string = (await graphql(url, CALENDAR, { id: event.id }, organizer)).data!.event
      .icalendar;
    expect(ics).toContain('DTSTART:20310110T003000Z');
    expect(ics).not.toContain('VTIMEZONE');
  });
});
