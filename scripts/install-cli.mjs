#!/usr/bin/env node
// Puts `airlock` on the PATH: writes a small launcher for this checkout's CLI into a directory on
// the PATH, so shells and MCP client configurations ("command": "airlock") find it by name.
//
//   node scripts/install-cli.mjs [--bin-dir DIR] [--uninstall]
//
// Default directory: /usr/local/bin when writable, else ~/.local/bin (created; a note says how to
// add it to the PATH when it is not there). The launcher names this Node binary by its absolute
// path, because MCP clients often start servers with a PATH that has no node on it. Run it again
// after moving the checkout or changing Node.
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MARKER = '# airlock launcher (scripts/install-cli.mjs)';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'packages/cli/dist/main.js');

function fail(message) {
  process.stderr.write(`install-cli: ${message}\n`);
  process.exit(1);
}

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function defaultBinDir() {
  // AIRLOCK_SYSTEM_BIN_DIR: for packagers and tests; /usr/local/bin otherwise.
  const system = process.env['AIRLOCK_SYSTEM_BIN_DIR'] || '/usr/local/bin';
  if (existsSync(system) && writable(system)) return system;
  return join(homedir(), '.local', 'bin');
}

const { values } = parseArgs({ options: { 'bin-dir': { type: 'string' }, uninstall: { type: 'boolean' } } });
const binDir = resolve(values['bin-dir'] ?? defaultBinDir());
const launcher = join(binDir, 'airlock');

function ours(path) {
  return existsSync(path) && readFileSync(path, 'utf8').includes(MARKER);
}

if (existsSync(launcher) && !ours(launcher))
  fail(
    `${launcher} exists and is not an Airlock launcher; remove it, or pass --bin-dir to install elsewhere.`,
  );

if (values.uninstall) {
  rmSync(launcher, { force: true });
  process.stdout.write(`install-cli: removed ${launcher}\n`);
  process.exit(0);
}

if (!existsSync(main)) fail(`${main} is missing: build first (node scripts/pnpm.mjs run build).`);

const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;
try {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(
    launcher,
    `#!/bin/sh\n${MARKER}: the airlock CLI of ${root}\nexec ${quote(process.execPath)} ${quote(main)} "$@"\n`,
  );
  chmodSync(launcher, 0o755);
} catch (error) {
  fail(
    `cannot write ${launcher} (${error.code ?? error.message}); pass --bin-dir with a directory you can write.`,
  );
}

const onPath = (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && resolve(dir) === binDir);
process.stdout.write(`install-cli: ${launcher} → ${main}\n`);
if (!onPath)
  process.stdout.write(
    `install-cli: ${binDir} is not on your PATH; add it (e.g. echo 'export PATH="${binDir}:$PATH"' >> ~/.profile) and open a new shell.\n`,
  );
