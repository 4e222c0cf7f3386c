import { KeyObject, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { loadSigningKey, isUuid } from '@ko/platform';

/** The signing key's public half as published for scanners (an Ed25519 JWK). */
export interface TicketSigningJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
const uuidOf = (bytes: Buffer) => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** What a valid code says: which ticket, for which event. */
export interface TicketClaim {
  ticketId: string;
  eventId: string;
}

/**
 * Checks a ticket code offline: `base64url(ticket id ‖ event id)` (32 bytes) + "." +
 * `base64url(Ed25519 signature of those bytes)`, each in its canonical spelling. Null for
 * anything forged, re-encoded or malformed.
 * This is all a door scanner needs, given the published key.
 */
export function verifyTicketCode(
  code: string,
  publicKey: KeyObject | TicketSigningJwk,
): TicketClaim | null {
  const match = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{86})$/.exec(code.trim());
  if (!match) return null;
  const payload = Buffer.from(match[1], 'base64url');
  const signature = Buffer.from(match[2], 'base64url');
  if (payload.length !== 32 || signature.length !== 64) return null;
  // One spelling per code: base64url's last character carries unused low bits, which the
  // decoder ignores, so other spellings of the same bytes exist. They are re-encodings nobody
  // was issued, so they are refused as forged (and a code is one string, never a family).
  if (payload.toString('base64url') !== match[1] || signature.toString('base64url') !== match[2])
    return null;
  const key =
    publicKey instanceof KeyObject
      ? publicKey
      : createPublicKey({ key: publicKey as JsonWebKey, format: 'jwk' });
  if (!verify(null, payload, key, signature)) return null;
  return { ticketId: uuidOf(payload.subarray(0, 16)), eventId: uuidOf(payload.subarray(16)) };
}

/**
 * Signs ticket codes with the tickets service's own Ed25519 key (not the users service's
 * token key): compact enough for a QR code (130 characters) and checkable at the door offline.
 */
export class TicketSigner {
  private readonly publicKey: KeyObject;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicJwk: TicketSigningJwk,
  ) {
    this.publicKey = createPublicKey(privateKey);
  }

  /** From TICKET_SIGNING_PRIVATE_JWK, else a key generated once into `file` (as users does for tokens). */
  static async load(options: { privateJwk?: string; file: string }): Promise<TicketSigner> {
    const key = await loadSigningKey({ ...options, algorithm: 'EdDSA' });
    if (key.algorithm !== 'EdDSA')
      throw new Error('The ticket signing key must be an Ed25519 private JWK');
    return new TicketSigner(key.privateKey, key.publicJwk as TicketSigningJwk);
  }

  sign(ticketId: string, eventId: string): string {
    if (!isUuid(ticketId) || !isUuid(eventId)) throw new Error('Ticket codes sign UUIDs');
    const payload = Buffer.concat([uuidBytes(ticketId), uuidBytes(eventId)]);
    return `${payload.toString('base64url')}.${sign(null, payload, this.privateKey).toString('base64url')}`;
  }

  verify(code: string): TicketClaim | null {
    return verifyTicketCode(code, this.publicKey);
  }
}
