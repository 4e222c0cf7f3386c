import { loadRunnerConfig } from '../src/config';

// The runner reads its environment the way every service does: validated once, at start-up.

it('defaults to the port and address every tool expects', () => {
  const config = loadRunnerConfig({});
  expect(config).toMatchObject({ PORT: 9001, HOST: '127.0.0.1', LAMBDA_RUNNER_TIMEOUT_MS: 30_000 });
  // Unset: as many threads as cores, and each function under its own name.
  expect(config).not.toHaveProperty('LAMBDA_RUNNER_MAX_THREADS');
  expect(config).not.toHaveProperty('LAMBDA_SEND_MAIL_FUNCTION');
});

it('takes the deployed function names and its limits from the environment', () => {
  expect(
    loadRunnerConfig({
      PORT: '9100',
      LAMBDA_RUNNER_MAX_THREADS: '2',
      LAMBDA_RUNNER_TIMEOUT_MS: '5000',
      LAMBDA_SEND_MAIL_FUNCTION: 'ko-send-mail',
    }),
  ).toMatchObject({
    PORT: 9100,
    LAMBDA_RUNNER_MAX_THREADS: 2,
    LAMBDA_RUNNER_TIMEOUT_MS: 5_000,
    LAMBDA_SEND_MAIL_FUNCTION: 'ko-send-mail',
  });
});

it.each([
  ['LAMBDA_RUNNER_TIMEOUT_MS', 'soon'],
  ['LAMBDA_RUNNER_MAX_THREADS', '0'],
  ['PORT', '70000'],
])('refuses %s=%s, naming the variable', (name, value) => {
  expect(() => loadRunnerConfig({ [name]: value })).toThrow(
    new RegExp(`^Invalid configuration: ${name}:`),
  );
});
