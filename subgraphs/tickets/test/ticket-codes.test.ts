import { generateKeyPairSync } from 'node:crypto';
import { TicketSigner, verifyTicketCode } from '../src/ticket-codes';

// Ticket codes on their own: one valid spelling per code.

const TICKET = '11111111-1111-4111-8111-111111111111';
const EVENT = '22222222-2222-4222-8222-222222222222';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes spelled otherwise: the last character's unused low bits set. */
function respell(part: string, unusedBits: number): string {
  const last = ALPHABET.indexOf(part[part.length - 1]!);
  return part.slice(0, -1) + ALPHABET[last | ((1 << unusedBits) - 1)];
}

let signer: TicketSigner;
beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  signer = await TicketSigner.load({
    privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'test' }),
    file: '/nonexistent/unused.json',
  });
});

it('accepts the code it issued', () => {
  expect(signer.verify(signer.sign(TICKET, EVENT))).toEqual({ ticketId: TICKET, eventId: EVENT });
  expect(verifyTicketCode(signer.sign(TICKET, EVENT), signer.publicJwk)).not.toBeNull();
});

it('refuses a re-encoded code (same bytes, another base64url spelling) as forged', () => {
  const [payload, signature] = signer.sign(TICKET, EVENT).split('.') as [string, string];
  // 32 bytes leave 2 unused bits in the last of 43 characters; 64 bytes leave 4 in the 86th.
  const respelledPayload = `${respell(payload, 2)}.${signature}`;
  const respelledSignature = `${payload}.${respell(signature, 4)}`;
  for (const code of [respelledPayload, respelledSignature]) {
    expect(code).not.toBe(`${payload}.${signature}`);
    // The bytes, and so the signature check alone, are unchanged…
    expect(Buffer.from(code.split('.')[0]!, 'base64url')).toEqual(
      Buffer.from(payload, 'base64url'),
    );
    // …but the spelling is not the one issued.
    expect(signer.verify(code)).toBeNull();
  }
});

it('refuses malformed and tampered codes', () => {
  const code = signer.sign(TICKET, EVENT);
  expect(signer.verify('not-a-code')).toBeNull();
  expect(signer.verify(`${code.slice(0, 10)}A${code.slice(11)}`)).toBeNull();
});
