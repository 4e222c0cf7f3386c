// The Dockerfile analysed statically: stages, COPY steps, build steps and their checks.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import ignore from '@balena/dockerignore';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';

import type { ComposeFile } from './compose';

export const ROOT = resolve(__dirname, '..', '..');
export const LAMBDA_BASE = 'public.ecr.aws/lambda/';
export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// Dockerfiles

export interface Stage {
  name?: string;
  image: string;
  instructions: Instruction[];
  /** WORKDIR in force at each instruction (inherited from a parent stage). */
  workdirs: string[];
}

export const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** A COPY's --from stage, if any. */
export const copyFrom = (i: Instruction): string | undefined => {
  const from = i instanceof Copy ? i.getFromFlag() : null;
  return from ? (from.getValue() ?? '') : undefined;
};

export function stagesOf(text: string): Stage[] {
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
export function lineage(stages: Stage[], stage: Stage): Stage[] {
  const chain = [stage];
  for (
    let s = stages.find((x) => x.name === stage.image);
    s;
    s = stages.find((x) => x.name === s!.image)
  )
    chain.push(s);
  return chain;
}

export interface CopyStep {
  /** The instruction's index in its stage. */
  at: number;
  from?: string;
  sources: string[];
  /** Where each source lands, absolute in the image. */
  targets: string[];
}

export function copies(stage: Stage): CopyStep[] {
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
export function npmCis(
  stage: Stage,
): Array<{ at: number; workspaces: string[]; tokens: string[] }> {
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
export function tscBuilds(stage: Stage): Array<{ at: number; dir: string }> {
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
export function workspaceDirs(): Map<string, string> {
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
export function projectClosure(dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const config = JSON.parse(read(join(dir, 'tsconfig.json'))) as {
    references?: Array<{ path: string }>;
  };
  for (const ref of config.references ?? [])
    projectClosure(posix.normalize(posix.join(dir, ref.path)), seen);
  return seen;
}

export interface Context {
  exists(path: string): boolean;
  ignored(path: string): boolean;
}

export const repoContext = (dockerignore = read('.dockerignore')): Context => {
  const rules = ignore().add(dockerignore.split('\n'));
  return { exists: (p) => existsSync(join(ROOT, p)), ignored: (p) => rules.ignores(p) };
};

/** Problems with one Dockerfile; `text` is its content (the real one, or a broken copy). */
export function checkDockerfile(path: string, text: string, context: Context): string[] {
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
export function imageStages(stages: Stage[]): Stage[] {
  const used = new Set(
    stages.flatMap((s) => [s.image, ...copies(s).flatMap((c) => (c.from ? [c.from] : []))]),
  );
  return stages.filter((s) => !s.name || !used.has(s.name));
}

/**
 * Problems with how the images share their work: one `npm ci` and one `tsc -b` in the file (so a
 * builder runs each once, whatever the targets), every Node.js service image starting with the
 * same production-dependency layer (the same parent and the same COPY, so it is built and stored
 * once), and each image's code coming from the shared build stages.
 */
export function sharedBuildProblems(text: string): string[] {
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

/** A public image name as an engine stores it: registry, path and tag spelled out. */
export function qualified(image: string): string {
  const [name, tag = 'latest'] = image.split(/:(?=[^/]+$)/);
  const parts = name!.split('/');
  const withRegistry =
    /[.:]/.test(parts[0]!) || parts[0] === 'localhost' ? parts : ['docker.io', ...parts];
  if (withRegistry.length === 2) withRegistry.splice(1, 0, 'library');
  return `${withRegistry.join('/')}:${tag}`;
}

/** The public images the Dockerfile and the compose file name (not stages, not built here). */
export function publicImages(dockerfile: string, doc: ComposeFile): string[] {
  const stages = stagesOf(dockerfile);
  const names = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])));
  const fromFile = stages.map((s) => s.image).filter((image) => !names.has(image));
  const fromCompose = Object.values(doc.services).flatMap((s) =>
    s.build || !s.image ? [] : [s.image],
  );
  return [...new Set([...fromFile, ...fromCompose].map(qualified))].sort();
}
