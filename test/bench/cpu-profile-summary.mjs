#!/usr/bin/env node
// Summarises a V8 CPU profile (.cpuprofile, e.g. from BENCH_CPU_PROF=<dir>) by self time: the top
// functions and the top files/packages, each as a share of the process's busy time (idle excluded,
// so shares of two roles compare), plus garbage collection.
//
//   node test/bench/cpu-profile-summary.mjs <file.cpuprofile> [top=30]
import { readFileSync } from 'node:fs';

const [file, topArg = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

/** Self time (µs) per profile node. */
const self = new Map();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** A readable location: packages by name, the project's own files by package-relative path. */
function where(url) {
  return url
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^file:\/\/.*\/packages\//, 'airlock/');
}

const byFunction = new Map();
const byFile = new Map();
let busy = 0;
let idle = 0;
for (const [id, us] of self) {
  const { callFrame } = nodes.get(id);
  if (callFrame.functionName === '(idle)') {
    idle += us;
    continue;
  }
  busy += us;
  const url = where(callFrame.url);
  const fn = `${callFrame.functionName || '(anonymous)'} ${url}${url ? `:${callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const group = url
    .split('/')
    .slice(0, url.startsWith('@') ? 2 : url.startsWith('airlock/') ? 3 : 1)
    .join('/');
  const key = group || callFrame.functionName;
  byFile.set(key, (byFile.get(key) ?? 0) + us);
}

const show = (title, map) => {
  console.log(`\n-- ${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  }
};
console.log(
  `${file}: busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (shares below: of busy time)`,
);
show('self time by function', byFunction);
show('self time by package / file', byFile);
