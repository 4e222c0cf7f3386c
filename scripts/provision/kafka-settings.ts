// The local broker's security settings: its accounts (generated at format time, kept beside
// its storage), the server properties that make every listener require SASL and every request
// pass the authorizer, and a client logged in as its administrator.
import * as fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_SASL_MECHANISM, type KafkaCredentials, type KafkaLogin } from '@ko/platform';

/** A kafkajs client logged in as the broker's administrator (provisioning only). */
export function adminClient(brokers: string, admin: KafkaLogin, requestTimeout: number): Kafka {
  return new Kafka({
    clientId: 'ko-kafka-provision',
    brokers: [brokers],
    sasl: { mechanism: KAFKA_SASL_MECHANISM, ...admin },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout,
    retry: { retries: 0 },
  });
}

/** The accounts kept beside a formatted storage, if any. */
export function readCredentials(file: string): KafkaCredentials | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as KafkaCredentials;
  } catch {
    return undefined;
  }
}

export function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

export function serverProperties(
  port: number,
  controllerPort: number,
  logsDir: string,
  admin: KafkaLogin,
): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    // Every listener authenticates: clients with SCRAM (accounts live in the cluster metadata),
    // the controller listener with PLAIN (SCRAM cannot serve it: the controller holds the
    // accounts), so no listener takes an anonymous connection.
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`,
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}" user_${admin.username}="${admin.password}";`,
    // ACLs: the administrator may do anything; every other account only what it was granted.
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${admin.username}`,
    'allow.everyone.if.no.acl.found': false,
    'log.dirs': logsDir,
    'num.partitions': 3,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': 1,
    // 50 partitions by default: creating them slows the first consumer group join for nothing here.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'group.initial.rebalance.delay.ms': 0,
  };
  // Properties-file escaping: only backslashes can occur in our values (Windows paths).
  const lines = Object.entries(props).map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`);
  return `# written by scripts/provision/kafka.ts on every start\n${lines.join('\n')}\n`;
}
