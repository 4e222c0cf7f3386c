// A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for `npm start`
// and `npm test`, run from jars that Maven fetches once (scripts/kafka/pom.xml): nothing to
// install by hand beyond a JDK and Maven. It requires SASL/SCRAM of every client: the accounts
// (an administrator and one per service, random passwords) are generated when its storage is
// formatted and kept in <dataDir>/credentials.json; its ACLs and topics follow the platform's
// `TopicAccess` (see packages/platform/src/kafka-access.ts).
//
//   CLI: npx tsx scripts/provision/kafka.ts [dataDir]   → prints KAFKA_BROKERS=127.0.0.1:<port>
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  generateKafkaCredentials,
  provisionKafkaAccess,
  type KafkaCredentials,
  type KafkaLogin,
} from '@ko/platform';
import { adminClient, readCredentials, serverProperties, writePrivate } from './kafka-settings';

export { readCredentials };
import { freePort } from '@ko/platform/deployment';

export interface KafkaBroker {
  /** bootstrap address, `127.0.0.1:<port>` */
  brokers: string;
  /** the broker's accounts: its administrator and one per service */
  credentials: KafkaCredentials;
  /** where `credentials` are kept (mode 0600) */
  credentialsFile: string;
  dataDir: string;
  /** SIGTERM, then SIGKILL after 20 s; the data dir is kept */
  stop(): Promise<void>;
  /** starts again on the same ports and data (no-op while running) */
  start(): Promise<void>;
}

export interface StartKafkaOptions {
  dataDir: string;
  /** client port; 0 or absent picks a free one */
  port?: number;
  controllerPort?: number;
  log?: (msg: string) => void;
}

const repoRoot = path.resolve(__dirname, '../..');
const kafkaDir = path.join(repoRoot, 'scripts', 'kafka');
const pomFile = path.join(kafkaDir, 'pom.xml');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;
const FIX = 'or set KAFKA_BROKERS to an existing broker';

/** Copies the broker's jars into libDir (default <repo>/.data/kafka-lib) unless the ones there came from the current pom. */
export async function fetchKafkaJars(
  libDir = path.join(repoRoot, '.data', 'kafka-lib'),
  log: (msg: string) => void = () => {},
): Promise<string> {
  const stamp = createHash('sha256').update(fs.readFileSync(pomFile)).digest('hex');
  const stampFile = path.join(libDir, '.pom-sha256');
  const fresh = () => readOrEmpty(stampFile) === stamp;
  if (fresh()) return libDir;

  log('Kafka: fetching broker jars with Maven (first run only)...');
  // Fill a private dir and rename it into place, so a concurrent starter never sees half the jars.
  const tmp = `${libDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ],
    `Kafka needs Maven to fetch its jars (mvn not found): install Maven 3.6+, ${FIX}`,
  );
  fs.writeFileSync(path.join(tmp, '.pom-sha256'), stamp);
  if (fresh()) {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process got there first
  } else {
    fs.rmSync(libDir, { recursive: true, force: true });
    fs.renameSync(tmp, libDir);
  }
  return libDir;
}

export async function startKafka(opts: StartKafkaOptions): Promise<KafkaBroker> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const java = findJava();
  const libDir = await fetchKafkaJars(undefined, log);

  const port = opts.port || (await freePort());
  let controllerPort = opts.controllerPort || (await freePort());
  while (controllerPort === port) controllerPort = await freePort();
  const brokers = `127.0.0.1:${port}`;

  const propsFile = path.join(dataDir, 'server.properties');
  const logsDir = path.join(dataDir, 'logs');
  const pidFile = path.join(dataDir, 'kafka.pid');
  const credentialsFile = path.join(dataDir, 'credentials.json');
  const formatted = fs.existsSync(path.join(logsDir, 'meta.properties'));
  let credentials = formatted ? readCredentials(credentialsFile) : undefined;
  if (formatted && !credentials) {
    // Storage from before the broker required accounts: it holds none, so start afresh.
    log('Kafka: the data dir has no accounts (made before SASL was required); formatting it again');
    fs.rmSync(logsDir, { recursive: true, force: true });
  }
  if (!credentials) {
    credentials = generateKafkaCredentials();
    writePrivate(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`);
  }
  const admin = credentials.admin;
  // Holds the administrator's password (the broker's own logins): private like the accounts file.
  writePrivate(propsFile, serverProperties(port, controllerPort, logsDir, admin));

  const jvm = [
    '-Xms128m',
    '-Xmx512m',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${dataDir}`,
    `-Dlog4j.configuration=${pathToFileURL(path.join(kafkaDir, 'log4j.properties')).href}`,
    '-cp',
    `${libDir}${path.sep}*`,
  ];

  // Format only once: a formatted log dir keeps its cluster id, accounts, ACLs, topics and
  // offsets across restarts. SCRAM accounts can only be bootstrapped here in KRaft.
  if (!fs.existsSync(path.join(logsDir, 'meta.properties'))) {
    const accounts = [admin, ...Object.values(credentials.services)].flatMap((login) => [
      '--add-scram',
      `SCRAM-SHA-256=[name=${login.username},password=${login.password}]`,
    ]);
    await run(
      java,
      [
        ...jvm,
        'kafka.tools.StorageTool',
        'format',
        // Before the rest: a failure message quotes the last arguments, never a password.
        ...accounts,
        '-t',
        clusterId(),
        '-c',
        propsFile,
      ],
      'java not found',
    );
  }

  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) return;
    killStale(pidFile, propsFile);
    const t0 = Date.now();
    const logs = new RunLogs(dataDir);
    const out = fs.openSync(logs.outFile, 'a');
    const proc = spawn(java, [...jvm, 'kafka.Kafka', propsFile], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    // Unref'd: the broker never keeps this process alive, and dies with it (see the 'exit' hook).
    proc.unref();
    child = proc;
    live.add(proc);
    if (proc.pid !== undefined) fs.writeFileSync(pidFile, String(proc.pid));
    const exited = new Promise<string>((resolve) => {
      proc.once('error', (err) => resolve(err.message));
      proc.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    });
    void exited.then((how) => {
      live.delete(proc);
      if (child === proc) {
        child = undefined;
        log(`Kafka: broker exited unexpectedly (${how})`);
      }
    });
    try {
      await waitReady(brokers, admin, exited, logs);
    } catch (err) {
      child = undefined;
      proc.kill('SIGKILL');
      throw err;
    }
    log(
      `Kafka: broker up at ${brokers} in ${((Date.now() - t0) / 1000).toFixed(1)} s (data: ${dataDir})`,
    );
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    child = undefined;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(pidFile, { force: true });
  }

  await start();
  try {
    await provisionKafkaAccess(adminClient(brokers, admin, 10_000), credentials);
  } catch (error) {
    await stop();
    throw error;
  }
  return { brokers, credentials, credentialsFile, dataDir, start, stop };
}

/** Resolves once the broker answers a metadata request; rejects if it fails or takes too long. */
async function waitReady(
  brokers: string,
  admin: KafkaLogin,
  exited: Promise<string>,
  logs: RunLogs,
): Promise<void> {
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  // A short request timeout, in case something else holds the port and never answers.
  const kafka = adminClient(brokers, admin, 2_000);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit !== undefined) throw new Error(`Kafka failed to start (${exit}):\n${logs.summary()}`);
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka did not accept connections on ${brokers} within ${READY_TIMEOUT_MS / 1000} s:\n${logs.summary()}`,
      );
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      if ((await admin.describeCluster()).brokers.length > 0) return;
    } catch {
      // not listening yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What one broker run wrote to <dataDir>/server.log (log4j, WARN+) and kafka.out (JVM stdout/stderr). */
class RunLogs {
  readonly serverFile: string;
  readonly outFile: string;
  private readonly serverFrom: number;
  private readonly outFrom: number;

  constructor(dataDir: string) {
    this.serverFile = path.join(dataDir, 'server.log');
    this.outFile = path.join(dataDir, 'kafka.out');
    this.serverFrom = sizeOf(this.serverFile);
    this.outFrom = sizeOf(this.outFile);
  }

  /** The error headlines and their causes, not whole stack traces. */
  summary(): string {
    const lines = readFrom(this.serverFile, this.serverFrom).split('\n');
    const errors = [
      ...new Set(lines.filter((l) => /^\[[^\]]+\] (ERROR|FATAL) |^Caused by: /.test(l))),
    ];
    const out = lastLines(readFrom(this.outFile, this.outFrom), 10);
    return (
      [...errors.slice(-10), out].filter((s) => s.trim()).join('\n') ||
      `(nothing logged; see ${this.serverFile})`
    );
  }
}

// Brokers started by this process: killed when it exits, so a test run never leaves one behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/** A broker left over from a parent that was itself SIGKILLed still holds the log dir lock: end it. */
function killStale(pidFile: string, propsFile: string): void {
  const pid = Number(readOrEmpty(pidFile));
  if (!pid) return;
  // Only if that pid is still our broker (Linux: /proc; elsewhere the broker's own lock error will say).
  if (!readOrEmpty(`/proc/${pid}/cmdline`).includes(propsFile)) return;
  try {
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 5_000;
    while (Date.now() < until && fs.existsSync(`/proc/${pid}`)) spawnSync('sleep', ['0.1']);
  } catch {
    // already gone
  }
}

function findJava(): string {
  const home = process.env.JAVA_HOME;
  const java = home ? path.join(home, 'bin', 'java') : 'java';
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error) {
    throw new Error(
      `Kafka needs a JDK 17+ (${java} not found): install one (e.g. openjdk-17-jre-headless), ${FIX}`,
    );
  }
  // `version "17.0.15"`, or `version "1.8.0_402"` for Java 8
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  const major = m ? Number(m[1] === '1' ? m[2] : m[1]) : 0;
  if (major < 17)
    throw new Error(
      `Kafka needs a JDK 17+ (${java} is version ${major || 'unknown'}): install one, ${FIX}`,
    );
  return java;
}

/** Runs a command to completion; rejects with its output's tail, or with `missing` if it isn't installed. */
function run(cmd: string, args: string[], missing: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    proc.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' ? missing : err.message)),
    );
    proc.once('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(cmd)} ${args.slice(-4).join(' ')} failed (code ${code}):\n${lastLines(output, 30)}`,
          ),
        );
    });
  });
}

/** A KRaft cluster id: 16 random bytes, base64url (not starting with '-', which the CLI would read as a flag). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The file's text from byte offset `from` (from the start if it has since been rotated). */
function readFrom(file: string, from: number): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return '';
  }
  return buf.subarray(buf.length >= from ? from : 0).toString('utf8');
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

if (require.main === module) {
  const dataDir = process.argv[2] ?? path.join(repoRoot, '.data', 'kafka');
  startKafka({ dataDir, log: (msg) => console.error(msg) }).then(
    (broker) => {
      console.log(`KAFKA_BROKERS=${broker.brokers}`);
      console.log(`KAFKA_CREDENTIALS_FILE=${broker.credentialsFile}`);
      const keepAlive = setInterval(() => {}, 1 << 30);
      const shutdown = () => {
        clearInterval(keepAlive);
        void broker.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
