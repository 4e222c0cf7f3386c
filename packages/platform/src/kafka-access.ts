import { randomBytes } from 'node:crypto';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
  type Kafka,
} from 'kafkajs';
import { KAFKA_PRINCIPALS, TopicAccess, type KafkaPrincipal, type TopicName } from './facts';
import { ensureTopics, type KafkaLogin } from './kafka';

/**
 * The broker accounts of one deployment: an administrator (the broker's super user, used only
 * by provisioning) and one account per Kafka-using service.
 */
export interface KafkaCredentials {
  admin: KafkaLogin;
  services: Record<KafkaPrincipal, KafkaLogin>;
}

/** Fresh random passwords (base64url: safe in the broker's `--add-scram` and JAAS syntax). */
export function generateKafkaCredentials(): KafkaCredentials {
  const login = (username: string): KafkaLogin => ({
    username,
    password: randomBytes(24).toString('base64url'),
  });
  return {
    admin: login('admin'),
    services: Object.fromEntries(KAFKA_PRINCIPALS.map((name) => [name, login(name)])) as Record<
      KafkaPrincipal,
      KafkaLogin
    >,
  };
}

/** The environment that gives a service its own account (`kafkaSettings()` reads it). */
export function kafkaLoginEnv(login: KafkaLogin): {
  KAFKA_USERNAME: string;
  KAFKA_PASSWORD: string;
} {
  return { KAFKA_USERNAME: login.username, KAFKA_PASSWORD: login.password };
}

const allow = (
  username: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  resourcePatternType: ResourcePatternTypes,
  operation: AclOperationTypes,
): AclEntry => ({
  principal: `User:${username}`,
  host: '*',
  resourceType,
  resourceName,
  resourcePatternType,
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

/**
 * The ACLs that follow from `TopicAccess`: a topic's writer may write (and create) it, its
 * readers may read it, and a reader may use (and delete) consumer groups whose names start
 * with its own name (test stacks sharing a broker each use their own). Nothing else is allowed.
 */
export function kafkaAcls(credentials: KafkaCredentials): AclEntry[] {
  const acls: AclEntry[] = [];
  const readers = new Set<KafkaPrincipal>();
  for (const [topic, access] of Object.entries(TopicAccess) as Array<
    [TopicName, (typeof TopicAccess)[TopicName]]
  >) {
    const writer = credentials.services[access.writer].username;
    for (const operation of [AclOperationTypes.WRITE, AclOperationTypes.CREATE])
      acls.push(
        allow(writer, AclResourceTypes.TOPIC, topic, ResourcePatternTypes.LITERAL, operation),
      );
    for (const reader of access.readers) {
      readers.add(reader);
      acls.push(
        allow(
          credentials.services[reader].username,
          AclResourceTypes.TOPIC,
          topic,
          ResourcePatternTypes.LITERAL,
          AclOperationTypes.READ,
        ),
      );
    }
  }
  for (const reader of readers) {
    const username = credentials.services[reader].username;
    for (const operation of [AclOperationTypes.READ, AclOperationTypes.DELETE])
      acls.push(
        allow(username, AclResourceTypes.GROUP, reader, ResourcePatternTypes.PREFIXED, operation),
      );
  }
  return acls;
}

const aclKey = (acl: AclEntry) =>
  [
    acl.principal,
    acl.host,
    acl.resourceType,
    acl.resourceName,
    acl.resourcePatternType,
    acl.operation,
    acl.permissionType,
  ].join('|');

/**
 * Makes the broker match the platform's access rules, through `kafka` logged in as its
 * administrator: creates the
 * platform's topics, grants the ACLs of `kafkaAcls` and revokes any other ACL held by the
 * services' accounts (rules that were removed since). Safe to repeat.
 */
export async function provisionKafkaAccess(
  kafka: Kafka,
  credentials: KafkaCredentials,
): Promise<{ granted: number; revoked: number }> {
  await ensureTopics(kafka, Object.keys(TopicAccess));
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await reconcileAcls(admin, credentials);
  } finally {
    await admin.disconnect();
  }
}

async function reconcileAcls(
  admin: Admin,
  credentials: KafkaCredentials,
): Promise<{ granted: number; revoked: number }> {
  const wanted = kafkaAcls(credentials);
  await admin.createAcls({ acl: wanted });
  const keep = new Set(wanted.map(aclKey));
  const stale: AclEntry[] = [];
  for (const login of Object.values(credentials.services)) {
    const { resources } = await admin.describeAcls({
      principal: `User:${login.username}`,
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    for (const resource of resources)
      for (const acl of resource.acls) {
        const entry: AclEntry = {
          ...acl,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          resourcePatternType: resource.resourcePatternType,
        };
        if (!keep.has(aclKey(entry))) stale.push(entry);
      }
  }
  if (stale.length > 0) await admin.deleteAcls({ filters: stale });
  return { granted: wanted.length, revoked: stale.length };
}
