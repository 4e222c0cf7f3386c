import { z } from 'zod';
import { ConfigError, baseConfigSchema, kafkaBrokers, loadConfig, port } from '../src/config';

const schema = baseConfigSchema.extend({
  PORT: port(4000),
  DATABASE_URL: z.string().url(),
  KAFKA_BROKERS: kafkaBrokers(),
});

describe('loadConfig', () => {
  it('applies defaults and parses values', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://h/db',
      KAFKA_BROKERS: 'a:1, b:2',
      PORT: '',
    });
    expect(config).toMatchObject({
      PORT: 4000,
      NODE_ENV: 'development',
      KAFKA_BROKERS: ['a:1', 'b:2'],
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: 'postgres://h/db', PORT: 'eighty' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(schema, { DATABASE_URL: 'postgres://h/db', PORT: 'eighty' })).toThrow(
      /PORT/,
    );
    expect(() => loadConfig(schema, {})).toThrow(/DATABASE_URL/);
  });
});
