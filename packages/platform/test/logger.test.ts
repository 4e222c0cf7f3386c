import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger } from '../src/logger';

const HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$sRGfpOTLbJOO0ttcSpMGHw$MAbHhAFkgiXyZ0123456789abcdefABCDEF';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

/** Every line a logger writes, as one string. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('test', 'info', stream), text: () => text };
}

describe('error logs', () => {
  it('carry no password hash from a failed statement: not its parameters, nor the row PostgreSQL quotes', () => {
    const driverError = Object.assign(
      new Error('null value in column "role" violates not-null constraint'),
      {
        code: '23502',
        detail: `Failing row contains (7602755b, fan@example.com, Ada, null, ${HASH}, ACTIVE).`,
      },
    );
    const error = new QueryFailedError(
      'INSERT INTO "users"("email", "name", "role", "password_hash") VALUES ($1, $2, $3, $4)',
      ['fan@example.com', 'Ada', null, HASH],
      driverError,
    );
    const { logger, text } = capture();
    logger.error({ err: error }, 'unexpected error in resolver');
    const line = text();
    expect(line).toContain('violates not-null constraint'); // the error itself is still there
    expect(line).not.toContain('argon2');
    expect(line).not.toContain('sRGfpOTLbJOO0ttcSpMGHw');
    expect(line).not.toContain('fan@example.com');
  });

  it('carry no access token quoted in a message', () => {
    const { logger, text } = capture();
    logger.error({ err: new Error(`could not verify ${TOKEN}`) }, 'request failed');
    expect(text()).toContain('could not verify [redacted]');
    expect(text()).not.toContain(TOKEN);
  });
});
