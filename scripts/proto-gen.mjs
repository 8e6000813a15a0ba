#!/usr/bin/env node
// Generates the tunnel's TypeScript types from proto/ with proto-loader-gen-types (never hand-write
// them). The options here must match the runtime loader options in
// packages/tunnel/src/proto/load-tunnel-proto.ts, or the types lie about the decoded objects.
// The output is committed; eslint and prettier ignore **/generated/**.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const outDir = join(root, 'packages/tunnel/src/generated');
const bin = join(root, 'node_modules/.bin/proto-loader-gen-types');

rmSync(outDir, { recursive: true, force: true });
const result = spawnSync(
  bin,
  [
    '--grpcLib=@grpc/grpc-js',
    `--outDir=${outDir}`,
    `--includeDirs=${protoDir}`,
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--includeComments',
    '--importFileExtension=.js',
    'airlock/tunnel/v1/tunnel.proto',
  ],
  { stdio: 'inherit', cwd: root },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// Post-process for verbatimModuleSyntax + NodeNext: every import in generated code is type-only.
function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}
for (const file of walk(outDir)) {
  const source = readFileSync(file, 'utf8');
  const fixed = source
    .replace(/^import (?!type )(.*) from (['"][^'"]+['"]);$/gm, 'import type $1 from $2;')
    // Keep the output independent of where the checkout lives.
    .replaceAll(`Original file: ${protoDir}/`, 'Original file: proto/');
  writeFileSync(file, fixed);
}
console.log(`generated tunnel types in ${outDir}`);
