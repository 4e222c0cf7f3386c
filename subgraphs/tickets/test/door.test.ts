import { Client as Pg } from 'pg';
import { errorCodes, graphql, RouterClient, type Stack } from '@ko/platform/testing';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// The door and the audience (issue 15): the organizer's attendee list and its export, and
// check-ins sent in batches by doors that were offline.

let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let url: string;
let db: Pg;
let organizer: { token: string; id: string };
let otherOrganizer: { token: string; id: string };

const ATTENDEES = `query Attendees($id: ID!, $first: Int, $after: String, $search: String) {
  event(id: $id) { attendees(first: $first, after: $after, search: $search) {
    edges { cursor node { name email orderId checkedInAt ticket { id code status tier { name } } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  } }
}`;
const CSV = 'query Csv($id: ID!) { event(id: $id) { attendeesCsv } }';
const CHECK_INS = `query CheckIns($id: ID!) {
  event(id: $id) { checkIns { checkedIn sold tiers { tier { name } checkedIn sold } } }
}`;
const SCAN = `mutation Scan($scans: [ScanInput!]!) {
  checkInTickets(scans: $scans) { code outcome firstScannedAt }
}`;

beforeAll(async () => {
  ticketsStack = await startTicketsStack();
  ({ stack, client, db, url } = ticketsStack);
  [organizer, otherOrganizer] = await Promise.all([
    client.account('ORGANIZER', 'Ada Door'),
    client.account('ORGANIZER', 'Otto Other'),
  ]);
});

afterAll(async () => {
  await ticketsStack?.stop();
});

/** A published event with two tiers, and fans with tickets: `names[i]` buys `quantity` each. */
async function soldEvent(names: string[], quantity = 1) {
  const event = await client.event(organizer.token, [
    { name: 'Floor', priceCents: 2_000, capacity: 100 },
    { name: 'Balcony', priceCents: 3_000, capacity: 100 },
  ]);
  const fans = [];
  for (const [i, name] of names.entries()) {
    const fan = await client.account('FAN', name);
    const bought = await client.purchase(fan.token, event.tiers[i % 2].id, quantity);
    expect(bought.errors).toBeUndefined();
    fans.push({ ...fan, name, order: bought.data!.purchaseTickets });
  }
  return { event, fans };
}

describe('the attendee list', () => {
  it('pages through every ticket with its buyer, searchable by name, e-mail or code', async () => {
    const { event, fans } = await soldEvent(['Zoë Åkesson', 'Bruno Díaz', 'Chen Wei 陈伟'], 2);
    const page1 = await graphql(url, ATTENDEES, { id: event.id, first: 4 }, organizer.token);
    expect(page1.errors).toBeUndefined();
    const first = page1.data!.event.attendees;
    expect(first.totalCount).toBe(6);
    expect(first.edges).toHaveLength(4);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const page2 = await graphql(
      url,
      ATTENDEES,
      { id: event.id, first: 4, after: first.pageInfo.endCursor },
      organizer.token,
    );
    const second = page2.data!.event.attendees;
    expect(second.edges).toHaveLength(2);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const rows = [...first.edges, ...second.edges].map(
      (e: { node: { name: string; email: string; orderId: string; ticket: { id: string } } }) =>
        e.node,
    );
    // Every ticket once, in the order bought, with its buyer's name and e-mail from users.
    expect(new Set(rows.map((r) => r.ticket.id)).size).toBe(6);
    expect(rows.map((r) => r.name)).toEqual(fans.flatMap((f) => [f.name, f.name]));
    expect(rows.map((r) => r.orderId)).toEqual(fans.flatMap((f) => [f.order.id, f.order.id]));
    expect(rows[0].email).toMatch(/^fan-.*@example\.com$/);

    const search = async (term: string) => {
      const found = await graphql(
        url,
        ATTENDEES,
        { id: event.id, first: 10, search: term },
        organizer.token,
      );
      expect(found.errors).toBeUndefined();
      return found.data!.event.attendees as {
        totalCount: number;
        edges: Array<{ node: { name: string } }>;
      };
    };
    expect((await search('díaz')).edges.map((e) => e.node.name)).toEqual([
      'Bruno Díaz',
      'Bruno Díaz',
    ]);
    expect((await search('陈伟')).totalCount).toBe(2);
    expect((await search(rows[4].email.slice(0, 20))).edges.map((e) => e.node.name)).toEqual([
      'Chen Wei 陈伟',
      'Chen Wei 陈伟',
    ]);
    const code = fans[0].order.tickets[1].code as string;
    const byCode = await search(code.slice(10, 30));
    expect(byCode.totalCount).toBe(1);
    expect((await search('nobody-by-this-name')).totalCount).toBe(0);
    // LIKE's own characters are searched for as themselves, not as wildcards.
    expect((await search('%')).totalCount).toBe(0);
  });

  it('is for the organizer of the event only', async () => {
    const { event, fans } = await soldEvent(['Private Person']);
    for (const token of [otherOrganizer.token, fans[0].token]) {
      for (const query of [ATTENDEES, CSV, CHECK_INS]) {
        const refused = await graphql(url, query, { id: event.id, first: 10 }, token);
        expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
        expect(refused.data?.event?.attendees ?? null).toBeNull();
        expect(JSON.stringify(refused)).not.toContain('Private Person');
      }
    }
    const anonymous = await graphql(url, ATTENDEES, { id: event.id, first: 10 });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    // Users' people lookup (internal network only) answers organizers only, too.
    const lookup = (token?: string) =>
      fetch(new URL('/internal/people', stack.urls.users!), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ ids: [fans[0].id] }),
      });
    expect((await lookup(fans[0].token)).status).toBe(403);
    expect((await lookup()).status).toBe(401);
    const answered = await lookup(organizer.token);
    expect(((await answered.json()) as { people: Array<{ name: string }> }).people).toEqual([
      expect.objectContaining({ id: fans[0].id, name: 'Private Person' }),
    ]);
    // Someone else's draft: not even its existence.
    const draft = await client.event(otherOrganizer.token, [], { publish: false });
    const hidden = await graphql(url, ATTENDEES, { id: draft.id, first: 10 }, organizer.token);
    expect(hidden.data?.event ?? null).toBeNull();
    const bad = await graphql(url, ATTENDEES, { id: event.id, first: 500 }, organizer.token);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await graphql(
      url,
      ATTENDEES,
      { id: event.id, first: 5, after: 'nonsense' },
      organizer.token,
    );
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);
  });

  it('exports as CSV that a spreadsheet reads as text, whatever the names', async () => {
    const hostile = ['Smith, John', 'The "Boss"', 'Ηλέκτρα Παπαδοπούλου', "=cmd|' /C calc'!A0"];
    const { event, fans } = await soldEvent(hostile);
    const result = await graphql(url, CSV, { id: event.id }, organizer.token);
    expect(result.errors).toBeUndefined();
    const csv = result.data!.event.attendeesCsv as string;
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('Name,E-mail,Tier,Order,Ticket,Code,Status,Checked in at');
    expect(lines[1]).toMatch(/^"Smith, John",fan-/);
    expect(lines[2]).toMatch(/^"The ""Boss""",fan-/);
    expect(lines[3]).toMatch(/^Ηλέκτρα Παπαδοπούλου,fan-/);
    // The formula is text: prefixed with a quote, never a cell starting with =.
    expect(lines[4]).toMatch(/^'=cmd\|' \/C calc'!A0,fan-/);
    // A code may start with "-" (base64url): quoted against formulas like any other cell.
    const code = fans[3].order.tickets[0].code as string;
    expect(lines[4]).toContain(`,${code.startsWith('-') ? `'${code}` : code},VALID,`);
    expect(lines[5]).toBe('');
    expect(lines).toHaveLength(6);
  });
});

describe('the door', () => {
  it('records one check-in per ticket at its earliest scan, whatever order two doors sync in', async () => {
    const { event, fans } = await soldEvent(['Door Fan'], 2);
    const [ticket, other] = fans[0].order.tickets as Array<{ id: string; code: string }>;
    const early = new Date(Date.now() - 10 * 60_000).toISOString();
    const late = new Date(Date.now() - 5 * 60_000).toISOString();

    // Door B scanned later but syncs first: the ticket is in, at B's time, for now.
    const doorB = await graphql(
      url,
      SCAN,
      { scans: [{ code: ticket.code, scannedAt: late }] },
      organizer.token,
    );
    expect(doorB.data!.checkInTickets).toEqual([
      { code: ticket.code, outcome: 'VALID', firstScannedAt: late },
    ]);
    // Door A scanned earlier and syncs second: its scan is the first check-in.
    const doorA = await graphql(
      url,
      SCAN,
      {
        scans: [
          { code: ticket.code, scannedAt: early },
          { code: other.code, scannedAt: late },
        ],
      },
      organizer.token,
    );
    expect(doorA.data!.checkInTickets).toEqual([
      { code: ticket.code, outcome: 'VALID', firstScannedAt: early },
      { code: other.code, outcome: 'VALID', firstScannedAt: late },
    ]);
    // B's scan sent again (its answer lost): the second use it was, at the first scan's time.
    const again = await graphql(
      url,
      SCAN,
      { scans: [{ code: ticket.code, scannedAt: late }] },
      organizer.token,
    );
    expect(again.data!.checkInTickets).toEqual([
      { code: ticket.code, outcome: 'ALREADY_USED', firstScannedAt: early },
    ]);
    const { rows } = await db.query('SELECT status, used_at FROM tickets WHERE id = $1', [
      ticket.id,
    ]);
    expect(rows).toEqual([{ status: 'USED', used_at: new Date(early) }]);
    // checkInTicket shares the rule: the ticket is used, since the first scan.
    const single = await graphql(
      url,
      'mutation($code: String!) { checkInTicket(code: $code) { id } }',
      { code: ticket.code },
      organizer.token,
    );
    expect(errorCodes(single)).toEqual(['CONFLICT']);
    expect(single.errors![0].extensions).toMatchObject({ reason: 'ALREADY_USED', usedAt: early });
    const counts = await graphql(url, CHECK_INS, { id: event.id }, organizer.token);
    expect(counts.data!.event.checkIns).toEqual({
      checkedIn: 2,
      sold: 2,
      tiers: [
        { tier: { name: 'Floor' }, checkedIn: 2, sold: 2 },
        { tier: { name: 'Balcony' }, checkedIn: 0, sold: 0 },
      ],
    });
    const listed = await graphql(url, ATTENDEES, { id: event.id, first: 1 }, organizer.token);
    expect(listed.data!.event.attendees.edges[0].node.checkedInAt).toBe(early);
  });

  it('says INVALID for forged codes and other organizers’ tickets, and bounds a batch', async () => {
    const { fans } = await soldEvent(['Batch Fan']);
    const [ticket] = fans[0].order.tickets as Array<{ code: string }>;
    const [payload, signature] = ticket.code.split('.');
    const forged = `${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const now = new Date().toISOString();
    const scans = [ticket.code, forged, 'not-a-code'].map((code) => ({ code, scannedAt: now }));
    const other = await graphql(url, SCAN, { scans }, otherOrganizer.token);
    expect(other.data!.checkInTickets.map((r: { outcome: string }) => r.outcome)).toEqual([
      'INVALID',
      'INVALID',
      'INVALID',
    ]);
    const mine = await graphql(url, SCAN, { scans }, organizer.token);
    expect(mine.data!.checkInTickets.map((r: { outcome: string }) => r.outcome)).toEqual([
      'VALID',
      'INVALID',
      'INVALID',
    ]);
    const tooMany = Array.from({ length: 101 }, () => ({ code: ticket.code, scannedAt: now }));
    const refused = await graphql(url, SCAN, { scans: tooMany }, organizer.token);
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    const anonymous = await graphql(url, SCAN, { scans });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the signing key', () => {
  it('is served on the router’s origin, as tickets has it', async () => {
    const response = await fetch(new URL('/.well-known/ticket-signing-key', url));
    expect(response.status).toBe(200);
    const key = (await response.json()) as { kty: string; crv: string; x: string };
    const viaGraphql = await graphql(url, '{ ticketSigningKey }');
    expect(key).toEqual(JSON.parse(viaGraphql.data!.ticketSigningKey as string));
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });
});
