import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KAFKA_PRINCIPALS } from '@ko/platform';
import { ACCESS_SCRIPT, composeAccessScript } from '../scripts/kafka/compose-access';

// docker-compose's broker follows the same access rules as the local one (no Docker engine
// here: test/containers.test.ts checks the file's shape; this checks its Kafka accounts).

const ROOT = join(__dirname, '..');
interface Service {
  environment?: Record<string, string | number>;
  entrypoint?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

it('grants the ACLs generated from TopicAccess (deploy/kafka/access.sh is current)', () => {
  expect(readFileSync(ACCESS_SCRIPT, 'utf8')).toBe(composeAccessScript());
  // Read-only bind mounts (docker-compose 1.29 ignores `configs` outside swarm mode).
  const mounted = compose.services.kafka.volumes?.filter((v) => v.startsWith('./'));
  expect(mounted).toEqual([
    './deploy/kafka/start.sh:/etc/ko/kafka-start.sh:ro',
    './deploy/kafka/access.sh:/etc/ko/kafka-access.sh:ro',
  ]);
});

it('has the broker require SASL/SCRAM on every listener, with an authorizer', () => {
  const env = compose.services.kafka.environment!;
  expect(String(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).split(',')).toEqual([
    'SASL_PLAINTEXT:SASL_PLAINTEXT',
    'CONTROLLER:SASL_PLAINTEXT',
  ]);
  expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toMatch(/StandardAuthorizer$/);
  expect(env.KAFKA_SUPER_USERS).toBe('User:admin');
  expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
});

it('gives each Kafka-using service its own account, and no other service one', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const env = service.environment ?? {};
    if ((KAFKA_PRINCIPALS as readonly string[]).includes(name)) {
      expect(env.KAFKA_USERNAME).toBe(name);
      expect(env.KAFKA_PASSWORD).toBe(
        `\${KAFKA_${name.toUpperCase()}_PASSWORD:?set KAFKA_${name.toUpperCase()}_PASSWORD (README, Containers)}`,
      );
      // The broker formats the same account in.
      expect(compose.services.kafka.environment![`KAFKA_${name.toUpperCase()}_PASSWORD`]).toBe(
        env.KAFKA_PASSWORD,
      );
    } else expect(env.KAFKA_USERNAME).toBeUndefined();
  }
  const start = readFileSync(join(ROOT, 'deploy', 'kafka', 'start.sh'), 'utf8');
  for (const name of ['admin', ...KAFKA_PRINCIPALS])
    expect(start).toContain(
      `SCRAM-SHA-256=[name=${name},password=\${KAFKA_${name.toUpperCase()}_PASSWORD}]`,
    );
});
