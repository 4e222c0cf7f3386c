import {
  directLine,
  joinLine,
  leaveLine,
  nextMessage,
  parseRelayLine,
  parseTunnelName,
  sendLine,
} from '../src/live-relay';

const line = (text: string) => text.slice(0, -1);

describe('live relay lines', () => {
  it('reads back what the instance writes, ids with spaces, quotes and line breaks included', () => {
    const id = 'sub "1"\nwith spaces';
    expect(parseRelayLine(line(joinLine(3, 7, id)))).toEqual({
      kind: 'join',
      tunnel: 3,
      group: 7,
      id,
    });
    expect(parseRelayLine(line(leaveLine(3, id)))).toEqual({ kind: 'leave', tunnel: 3, id });
    const result = JSON.stringify({ data: { messagePosted: { body: 'a line\nand "more"' } } });
    expect(sendLine(7, result).split('\n')).toHaveLength(2);
    expect(parseRelayLine(line(sendLine(7, result)))).toEqual({ kind: 'send', group: 7, result });
    expect(parseRelayLine(line(directLine(3, id, result)))).toEqual({
      kind: 'direct',
      tunnel: 3,
      id,
      result,
    });
  });

  it('refuses what is not a line of the relay', () => {
    for (const junk of [
      '',
      'X[1]',
      'J[0,1,"a"]',
      'J[1,2]',
      'L{}',
      'S 1',
      'S-1 {}',
      'Sx {}',
      'D[1,"a",{}]',
    ])
      expect(parseRelayLine(junk)).toBeUndefined();
  });

  it('reads a tunnel name only in the form the router writes it', () => {
    const routerId = '0b6f3c58-5a47-4d7e-9c1e-1f2a3b4c5d6e';
    expect(parseTunnelName(`${routerId} 12`)).toEqual({ routerId, tunnel: 12 });
    for (const junk of [
      undefined,
      ['a'],
      `${routerId}`,
      `${routerId} 0`,
      `${routerId} -1`,
      `x ${routerId} 1`,
    ])
      expect(parseTunnelName(junk)).toBeUndefined();
  });

  it('makes the next message graphql-ws sends', () => {
    const message = JSON.parse(nextMessage('id "1"', '{"data":{"ping":true}}')) as unknown;
    expect(message).toEqual({ id: 'id "1"', type: 'next', payload: { data: { ping: true } } });
  });
});
