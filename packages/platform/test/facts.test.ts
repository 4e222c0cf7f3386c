import { randomUUID } from 'node:crypto';
import { Facts, isFact, parseFact, type FactDefinition } from '../src/facts';

const READS: FactDefinition[] = [Facts.chatMessagePosted, Facts.ticketsSold];

const posted = () => ({
  id: randomUUID(),
  eventId: randomUUID(),
  body: 'hello',
  kind: 'MESSAGE',
  authorId: randomUUID(),
  authorName: 'Fiona',
  createdAt: new Date().toISOString(),
});
const envelope = (type: string, data: unknown, version = 1) =>
  JSON.stringify({ id: randomUUID(), type, version, occurredAt: new Date().toISOString(), data });

describe('parseFact', () => {
  it('reads a fact of a known type on its topic, typed by its definition', () => {
    const data = posted();
    const result = parseFact(
      READS,
      'chat.messages',
      Buffer.from(envelope('chat.message.posted', data)),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(isFact(result.fact, Facts.chatMessagePosted)).toBe(true);
    expect(isFact(result.fact, Facts.ticketsSold)).toBe(false);
    expect(result.fact.envelope.data).toEqual(data);
  });

  it.each([
    ['an empty message', null],
    ['not JSON', '{"id":'],
    ['no envelope', JSON.stringify({ hello: 'world' })],
    [
      'an envelope id that is not a uuid',
      JSON.stringify({ ...JSON.parse(envelope('x', {})), id: 'x' }),
    ],
    ['a missing field', envelope('chat.message.posted', { ...posted(), body: undefined })],
    ['a value outside its enum', envelope('chat.message.posted', { ...posted(), kind: 'SHOUT' })],
    ['an id that is not a uuid', envelope('chat.message.posted', { ...posted(), eventId: 'e1' })],
    [
      'a time that is not ISO 8601',
      envelope('chat.message.posted', { ...posted(), createdAt: 'today' }),
    ],
    ['a known type on another topic', envelope('tickets.sold', posted())],
  ])('refuses %s as malformed', (_, value) => {
    expect(parseFact(READS, 'chat.messages', value)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('tells a type (or version) this consumer does not read from a malformed one', () => {
    expect(parseFact(READS, 'chat.messages', envelope('chat.message.pinned', {}))).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    expect(
      parseFact(READS, 'chat.messages', envelope('chat.message.posted', posted(), 2)),
    ).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('keys each fact by its event, so an event keeps its order', () => {
    const data = posted();
    const parsed = Facts.chatMessagePosted.schema.parse(data);
    expect(Facts.chatMessagePosted.key(parsed)).toBe(data.eventId);
  });
});
