// Finds Debian's chromium for the console's browser tests, installing it from Debian's packages
// when it is missing and we are root (`playwright install` cannot download browsers here).
// Exits 0 with the path on stdout, or 1 with the reason on stderr. Also imported by the tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

const found = () => CANDIDATES.find((path) => existsSync(path));

/** `{ path }` of an installed chromium, or `{ reason }` why there is none. */
export function ensureChromium() {
  const present = found();
  if (present) return { path: present };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return {
      reason:
        'chromium is not installed and this is not root, so it cannot be installed: run "sudo apt-get install -y chromium" (Debian) to run the console browser tests',
    };
  }
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', 'chromium'],
  ]) {
    const run = spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (run.status !== 0) return { reason: `apt-get ${args.join(' ')} failed (exit ${run.status})` };
  }
  const installed = found();
  return installed
    ? { path: installed }
    : { reason: 'apt-get installed chromium, but no chromium binary was found' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = ensureChromium();
  if (result.path) console.log(result.path);
  else {
    console.error(result.reason);
    process.exit(1);
  }
}
