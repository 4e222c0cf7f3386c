import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyObject, createPublicKey, randomUUID } from 'node:crypto';
import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  errors as joseErrors,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { GraphQLError } from 'graphql';
import { DomainError, unauthenticated, type ErrorCode } from './errors';
import { VerifiedTokens } from './verified-tokens';

export type Role = 'FAN' | 'ORGANIZER';

/** Who is calling, as proven by a verified token. */
export interface Viewer {
  id: string;
  role: Role;
  /** Display name at sign-in, so services can show an author without a lookup. */
  name?: string;
  /** The account's address at sign-in (claim `email`), so a receipt needs no lookup. */
  email?: string;
}

/**
 * The signature algorithms keys may use. Access tokens are signed with RS256: a token is signed
 * once, at sign-in, but verified by every service it first reaches (the router, a subgraph, the
 * users service's session check), and an RSA-2048 verification costs about a fifth of an
 * Ed25519 one (22 against 106 µs here; signing, 250 against 37). Ed25519 keys still load and
 * their tokens still verify (a deployment's older key), and the tickets service signs codes with
 * one (a short signature fits a QR code). Both are asymmetric, so a public key never verifies an
 * HMAC, and `alg: none` is refused.
 */
export type SigningAlgorithm = 'RS256' | 'EdDSA';
export const TOKEN_ALGORITHM: SigningAlgorithm = 'RS256';
const ACCEPTED_ALGORITHMS: SigningAlgorithm[] = ['RS256', 'EdDSA'];
export const TOKEN_ISSUER = 'ko-ticket-master';
export const TOKEN_AUDIENCE = 'ko-ticket-master-api';
/** No token is accepted past this age, whatever its `exp` says (TOKEN_TTL_SECONDS is capped by it). */
export const MAX_TOKEN_AGE_SECONDS = 86_400;

export interface SigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  privateKey: KeyObject;
  /** The public half only, as published in a key set. */
  publicJwk: JWK;
}

/** A private JWK's algorithm, from its key type: RSA signs RS256, an Ed25519 key EdDSA. */
function algorithmOf(jwk: JWK): SigningAlgorithm | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

async function generatedJwk(algorithm: SigningAlgorithm): Promise<JWK> {
  const pair =
    algorithm === 'RS256'
      ? await generateKeyPair('RS256', { modulusLength: 2048, extractable: true })
      : await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(pair.privateKey)), kid: randomUUID(), alg: algorithm };
}

/**
 * A service's signing key: from `privateJwk` when configured (production), otherwise generated
 * once (for `algorithm`) into `file` so its signatures survive restarts in development. The
 * key's own type decides how it signs: an RSA or an Ed25519 private JWK with a kid.
 */
export async function loadSigningKey(options: {
  privateJwk?: string;
  file: string;
  algorithm: SigningAlgorithm;
}): Promise<SigningKey> {
  let jwk: JWK;
  if (options.privateJwk) {
    jwk = JSON.parse(options.privateJwk) as JWK;
  } else if (existsSync(options.file)) {
    jwk = JSON.parse(readFileSync(options.file, 'utf8')) as JWK;
  } else {
    jwk = await generatedJwk(options.algorithm);
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, JSON.stringify(jwk), { mode: 0o600 });
  }
  const algorithm = algorithmOf(jwk);
  if (!jwk.kid || !jwk.d || !algorithm)
    throw new Error('The signing key must be an RSA or Ed25519 private JWK with a kid');
  const privateKey = await importJWK(jwk, algorithm);
  if (!(privateKey instanceof KeyObject)) throw new Error('The signing key did not load');
  // Exported from the key itself: an RSA private JWK holds more private members than `d`.
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return {
    kid: jwk.kid,
    algorithm,
    privateKey,
    publicJwk: { ...publicJwk, kid: jwk.kid, alg: algorithm, use: 'sig' },
  };
}

/**
 * A signed access token. `tokenVersion` (claim `ver`) is the account's token version when it was
 * issued: bumping the account's version ends every token issued before (see session-check.ts).
 */
export async function issueToken(
  key: SigningKey,
  viewer: Viewer,
  ttlSeconds: number,
  tokenVersion = 0,
): Promise<string> {
  return new SignJWT({
    role: viewer.role,
    ver: tokenVersion,
    ...(viewer.name ? { name: viewer.name } : {}),
    ...(viewer.email ? { email: viewer.email } : {}),
  })
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'JWT' })
    .setSubject(viewer.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

export type TokenVerifier = (token: string) => Promise<Viewer>;

/** What a session check is asked about: whose token, issued at which token version. */
export interface SessionClaims {
  id: string;
  tokenVersion: number;
}

/**
 * Refuses (throws UNAUTHENTICATED) a token whose account is gone or disabled, or whose version
 * the account has since bumped. The users service answers it (session-check.ts).
 */
export type SessionCheck = (claims: SessionClaims, token: string) => Promise<void>;

/** Where a token's signing keys come from: the users service's JWKS URL, or a key set in hand. */
export type KeySource = { jwksUrl: string } | { jwks: { keys: JWK[] } };

/** What a token's signature proves: who is calling, under which token version. */
export interface TokenClaims {
  viewer: Viewer;
  tokenVersion: number;
}

/** Verifies a token's signature and claims (not its session): throws UNAUTHENTICATED if bad. */
export type SignatureCheck = (token: string) => Promise<TokenClaims>;

/**
 * Checks tokens against the users service's JWKS (fetched and cached by jose), or a local key
 * set. Only RS256 and EdDSA are accepted, so `alg: none` and HMAC-confusion tokens fail; so
 * does a token older than MAX_TOKEN_AGE_SECONDS, whatever its `exp`. A token verified once is
 * not verified again while `verified` keeps it (verified-tokens.ts).
 */
export function createSignatureCheck(
  source: KeySource,
  verified = new VerifiedTokens<TokenClaims>(),
): SignatureCheck {
  const keys: JWTVerifyGetKey =
    'jwksUrl' in source
      ? createRemoteJWKSet(new URL(source.jwksUrl), {
          cooldownDuration: 30_000,
          timeoutDuration: 5_000,
        })
      : createLocalJWKSet(source.jwks);
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ACCEPTED_ALGORITHMS,
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      });
      const role = payload.role;
      // Tokens from before token versions carry no `ver`: version 0, the version every account starts at.
      const version = payload.ver ?? 0;
      if (
        typeof payload.sub !== 'string' ||
        (role !== 'FAN' && role !== 'ORGANIZER') ||
        typeof version !== 'number' ||
        !Number.isSafeInteger(version)
      ) {
        throw unauthenticated('The token is not a KO Ticket Master access token.');
      }
      const claims: TokenClaims = {
        viewer: {
          id: payload.sub,
          role,
          ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
          ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
        },
        tokenVersion: version,
      };
      // jwtVerify required both: good until it expires or grows too old, whichever is first.
      const validUntil = Math.min(payload.exp!, payload.iat! + MAX_TOKEN_AGE_SECONDS) * 1000;
      verified.set(token, claims, validUntil);
      return claims;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw unauthenticated('Your session has expired; sign in again.');
      // A key set that did not come in time is not a bad token (jose counts it as a JOSEError).
      if (error instanceof joseErrors.JWKSTimeout)
        throw new DomainError(
          'SERVICE_UNAVAILABLE',
          'Sign-in keys are unavailable; try again shortly.',
        );
      if (error instanceof joseErrors.JOSEError)
        throw unauthenticated('The token is invalid; sign in again.');
      // The key set could not be fetched: not the caller's fault.
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'Sign-in keys are unavailable; try again shortly.',
      );
    }
  };
}

/**
 * A token's viewer: its signature and claims (createSignatureCheck, or a check shared with
 * another verifier), then, with `sessions`, whether its account is still active at the
 * token's version (refused when the account ended its sessions, was disabled or deleted).
 */
export function createTokenVerifier(
  source: KeySource | SignatureCheck,
  options: { sessions?: SessionCheck } = {},
): TokenVerifier {
  const signature = typeof source === 'function' ? source : createSignatureCheck(source);
  return async (token) => {
    const { viewer, tokenVersion } = await signature(token);
    await options.sessions?.({ id: viewer.id, tokenVersion }, token);
    // A copy: the checked claims are shared by every request bearing this token.
    return { ...viewer };
  };
}

/**
 * The viewer behind an `Authorization: Bearer …` header: null when absent; a bad token is
 * an error rather than silently anonymous, so a client learns its session is broken.
 */
export async function viewerFromAuthorization(
  header: string | undefined,
  verify: TokenVerifier,
): Promise<Viewer | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('Send the token as "Authorization: Bearer <token>".');
  return verify(match[1]);
}

/**
 * Why a token was refused, the same for every transport: `final` when signing in again is the
 * fix (HTTP 401, WebSocket close 4401), otherwise the keys could not be had (503, close 1013).
 */
export function tokenRefusal(error: unknown): { code: ErrorCode; message: string; final: boolean } {
  const code = error instanceof DomainError ? error.code : 'SERVICE_UNAVAILABLE';
  const message = error instanceof Error ? error.message : 'The token could not be checked.';
  return { code, message, final: code === 'UNAUTHENTICATED' };
}

/** A refused token as the GraphQL error an HTTP request fails with, status included. */
export function tokenRefusedError(error: unknown): GraphQLError {
  const { code, message, final } = tokenRefusal(error);
  return new GraphQLError(message, { extensions: { code, http: { status: final ? 401 : 503 } } });
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireOrganizer(viewer: Viewer | null): Viewer {
  const v = requireViewer(viewer);
  if (v.role !== 'ORGANIZER') throw new DomainError('FORBIDDEN', 'Only organizers can do this.');
  return v;
}
