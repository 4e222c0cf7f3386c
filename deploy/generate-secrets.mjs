#!/usr/bin/env node
// Fresh secrets for docker-compose.yml: `node deploy/generate-secrets.mjs` writes them to .env at
// the repository root (mode 600), where `docker compose` reads them; `--stdout` prints instead.
// It never overwrites an .env: a new ticket-signing key would void every ticket already sold,
// and a new token key signs everyone out.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A private JWK with the kid and alg the platform's loadSigningKey expects: RSA for access tokens
 * (verified by every service, and an RSA verification is the cheap one), Ed25519 for ticket codes
 * (a short signature, for a QR code).
 */
const privateJwk = (algorithm) =>
  JSON.stringify({
    ...(algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ed25519')
    ).privateKey.export({ format: 'jwk' }),
    kid: randomUUID(),
    alg: algorithm,
  });

const text = [
  '# docker-compose secrets from deploy/generate-secrets.mjs. Keep this file private.',
  // Hex: it goes into the services' DATABASE_URL as is, so no character may need escaping.
  `POSTGRES_PASSWORD=${randomBytes(24).toString('hex')}`,
  // Single quotes: compose takes the JSON literally.
  `JWT_PRIVATE_JWK='${privateJwk('RS256')}'`,
  `TICKET_SIGNING_PRIVATE_JWK='${privateJwk('EdDSA')}'`,
  // The broker's accounts (SASL/SCRAM): its administrator and one per service. Hex: safe in the
  // broker's JAAS and --add-scram syntax. Fixed once the broker's volume is formatted with them.
  ...['ADMIN', 'EVENTS', 'TICKETS', 'CHAT', 'SUBSCRIPTIONS', 'USERS', 'MAIL'].map(
    (account) => `KAFKA_${account}_PASSWORD=${randomBytes(24).toString('hex')}`,
  ),
  '',
].join('\n');

if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else {
  const path = fileURLToPath(new URL('../.env', import.meta.url));
  try {
    writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (error?.code !== 'EEXIST') throw error;
    console.error(`${path} exists; not replacing its keys (delete it first to start over).`);
    process.exit(1);
  }
  console.log(`Wrote ${path}`);
}
