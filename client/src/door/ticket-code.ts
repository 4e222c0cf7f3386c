// Checks a ticket code in the browser, offline, with the tickets service's public key: the same
// rules as subgraphs/tickets/src/ticket-codes.ts (`base64url(ticket id ‖ event id)` + "." +
// `base64url(Ed25519 signature)`, each in its one canonical spelling).
import { base64url, importJWK, type JWK } from 'jose';

export interface TicketClaim {
  ticketId: string;
  eventId: string;
}

const CODE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{86})$/;

const uuidOf = (bytes: Uint8Array): string => {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The published key (an Ed25519 JWK) as a WebCrypto key that only verifies. */
export async function importSigningKey(jwk: JWK): Promise<CryptoKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new Error('The ticket-signing key is not an Ed25519 public key');
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'Ed25519');
  if (!(key instanceof CryptoKey)) throw new Error('The ticket-signing key did not import');
  return key;
}

/** The ticket and event a code names, or null for anything forged, re-encoded or malformed. */
export async function verifyTicketCode(code: string, key: CryptoKey): Promise<TicketClaim | null> {
  const match = CODE.exec(code.trim());
  if (!match) return null;
  let payload: Uint8Array;
  let signature: Uint8Array;
  try {
    payload = base64url.decode(match[1]!);
    signature = base64url.decode(match[2]!);
  } catch {
    return null;
  }
  if (payload.length !== 32 || signature.length !== 64) return null;
  // Another spelling of the same bytes is a code nobody was issued (see ticket-codes.ts).
  if (base64url.encode(payload) !== match[1] || base64url.encode(signature) !== match[2])
    return null;
  const good = await crypto.subtle.verify(
    'Ed25519',
    key,
    signature as Uint8Array<ArrayBuffer>,
    payload as Uint8Array<ArrayBuffer>,
  );
  if (!good) return null;
  return { ticketId: uuidOf(payload.subarray(0, 16)), eventId: uuidOf(payload.subarray(16)) };
}
