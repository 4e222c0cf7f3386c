import {
  formatChatTime,
  formatEventTime,
  formatMoney,
  formatShare,
  isoToZonedLocal,
  zonedToIso,
} from '../src/lib/format';

// The venue's clock and the event's money, as the pages print them.

describe('formatEventTime', () => {
  const nyShow = '2031-01-10T00:30:00.000Z'; // 19:30 on 9 January in New York

  it("shows the venue's time with its zone, and the visitor's own where it differs", () => {
    const { venue, visitor } = formatEventTime(nyShow, 'America/New_York', 'Europe/Berlin');
    // The test runner's locale decides the words (9 Jan / Jan 9, 19:30 / 07:30 PM).
    expect(venue).toMatch(/(9 Jan|Jan 9).*(19:30|07:30 PM).*\(America\/New York\)/);
    expect(visitor).toMatch(/(10 Jan|Jan 10).*(01:30|01:30 AM)/);
  });

  it('says nothing more when the visitor is on the venue’s clock', () => {
    expect(formatEventTime(nyShow, 'America/New_York', 'America/New_York').visitor).toBeNull();
  });
});

describe('zonedToIso', () => {
  it("reads a datetime-local value on the venue's clock, across daylight saving", () => {
    expect(zonedToIso('2031-01-09T19:30', 'America/New_York')).toBe('2031-01-10T00:30:00.000Z');
    expect(zonedToIso('2031-07-09T19:30', 'America/New_York')).toBe('2031-07-09T23:30:00.000Z');
    expect(zonedToIso('2031-03-30T03:30', 'Europe/Berlin')).toBe('2031-03-30T01:30:00.000Z');
    expect(zonedToIso('2031-06-01T20:00', 'UTC')).toBe('2031-06-01T20:00:00.000Z');
  });

  it('is undone by isoToZonedLocal, which fills the edit form', () => {
    expect(isoToZonedLocal('2031-01-10T00:30:00.000Z', 'America/New_York')).toBe(
      '2031-01-09T19:30',
    );
    expect(isoToZonedLocal('2031-07-09T23:30:00.000Z', 'America/New_York')).toBe(
      '2031-07-09T19:30',
    );
    expect(isoToZonedLocal('2031-03-30T01:30:00.000Z', 'Europe/Berlin')).toBe('2031-03-30T03:30');
  });
});

describe('formatMoney', () => {
  it("prints the event's currency", () => {
    expect(formatMoney(4500, 'USD')).toMatch(/\$45\.00/);
    expect(formatMoney(4500, 'USD')).not.toContain('€');
    expect(formatMoney(4500, 'EUR')).toContain('€');
  });
});

describe('formatChatTime', () => {
  it('gives the day of a message not from today', () => {
    const now = new Date(2031, 0, 10, 12, 0);
    expect(formatChatTime(new Date(2031, 0, 10, 9, 5).toISOString(), now)).not.toMatch(/Jan/);
    expect(formatChatTime(new Date(2031, 0, 8, 9, 5).toISOString(), now)).toMatch(/8 Jan|Jan 8/);
  });
});

describe('formatShare', () => {
  it('rounds honestly: something is never 0%, short of everything never 100%', () => {
    expect(formatShare(2, 450)).toBe('0.4%');
    expect(formatShare(1, 100_000)).toBe('<0.1%');
    expect(formatShare(0, 450)).toBe('0%');
    expect(formatShare(0, 0)).toBe('0%');
    expect(formatShare(45, 450)).toBe('10%');
    expect(formatShare(133, 450)).toBe('30%');
    expect(formatShare(449, 450)).toBe('99.7%');
    expect(formatShare(99_999, 100_000)).toBe('>99.9%');
    expect(formatShare(450, 450)).toBe('100%');
  });
});
