#!/usr/bin/env node
// Bundles one handler for AWS Lambda: `node lambdas/bundle.mjs <name>` (or `npm run bundle -w @ko/lambda-<name>`).
//
// Output, in lambdas/<name>/dist/:
//   bundle/index.js   the handler and all its dependencies in one CommonJS file (Lambda handler: index.handler)
//   <name>.zip        that file zipped, ready for `aws lambda create-function --zip-file fileb://...`
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { build } from 'esbuild';

const name = process.argv[2];
const lambdasDir = path.dirname(fileURLToPath(import.meta.url));
const entry = name && path.join(lambdasDir, name, 'src', 'handler.ts');
if (!name || !statSync(entry, { throwIfNoEntry: false })) {
  console.error(
    `usage: node lambdas/bundle.mjs <name>   (a folder of lambdas/ with src/handler.ts)`,
  );
  process.exit(2);
}
const outDir = path.join(lambdasDir, name, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

// pdfkit loads its standard-font metrics with `createRequire(...)('#standard-fonts/X')`, which a
// bundler cannot follow: take its CommonJS build (whose `__filename` still makes sense in a bundle)
// and rewrite those calls into plain requires of the same files so they are bundled.
const pdfkitStandardFonts = {
  name: 'pdfkit-standard-fonts',
  setup(b) {
    b.onResolve({ filter: /^pdfkit$/ }, (args) => ({
      path: path.join(
        path.dirname(createRequire(args.resolveDir + '/').resolve('pdfkit')),
        'pdfkit.js',
      ),
    }));
    b.onLoad({ filter: /[\\/]pdfkit[\\/]js[\\/]pdfkit\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(
        /require\$1\('#standard-fonts\/(\w+)'\)/g,
        "require('./standard-fonts/$1.cjs')",
      );
      return { contents, loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile: path.join(outDir, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true, // error classes keep their names (Lambda's errorType)
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [pdfkitStandardFonts],
});

// A zip of index.js (+ map) with deflate, written without any zip tool.
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const dosTime = 0,
    dosDate = ((2020 - 1980) << 9) | (1 << 5) | 1; // fixed: reproducible archives
  for (const [fileName, data] of files) {
    const nameBuf = Buffer.from(fileName);
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, deflated);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by: unix, 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + deflated.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const files = ['index.js', 'index.js.map'].map((f) => [f, readFileSync(path.join(outDir, f))]);
const zipPath = path.join(lambdasDir, name, 'dist', `${name}.zip`);
writeFileSync(zipPath, zip(files));

const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(
  `${name}: ${path.relative(process.cwd(), path.join(outDir, 'index.js'))} (${(bytes / 1024).toFixed(0)} KiB), ` +
    `${path.relative(process.cwd(), zipPath)} (${(statSync(zipPath).size / 1024).toFixed(0)} KiB); Lambda handler: index.handler`,
);
