import { spawnSync } from 'node:child_process';
import { shippedNodePath } from '@airlock/testkit';
import { describe, expect, it } from 'vitest';

/**
 * fullCollection() must give the memory it frees back to the system, on the Node running the tests
 * and on Node 22, the release the images and the agent executable ship: V8 12 keeps freed pages in
 * a pool after a plain full collection (measured: 660 MB of garbage collected, resident size still
 * 760 MB until V8's memory reducer ran, 8 s or more later).
 */
const built = new URL('../../dist/memory/full-collection.js', import.meta.url).href;
const MiB = 1024 * 1024;

// About 500 MB of objects that are garbage once the loop ends, then one collection.
const child = `
const { fullCollection } = await import(${JSON.stringify(built)});
let junk = [];
for (let i = 0; i < 4_000_000; i++) junk.push({ i, s: 'garbage-' + i });
junk = undefined;
const before = process.memoryUsage().rss;
fullCollection();
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ version: process.version, before, after: process.memoryUsage().rss }));
`;

function collectIn(node: string): { version: string; before: number; after: number } {
  const run = spawnSync(node, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the child failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { version: string; before: number; after: number };
}

const nodes = [
  ['the Node running the tests', process.execPath],
  ['Node 22', shippedNodePath()],
] as const;

describe('fullCollection', () => {
  for (const [name, node] of nodes) {
    it.skipIf(node === undefined)(
      `gives the memory it frees back at once, on ${name}`,
      () => {
        const { version, before, after } = collectIn(node as string);
        if (name === 'Node 22') expect(version).toMatch(/^v22\./);
        expect(before).toBeGreaterThan(400 * MiB);
        expect(after).toBeLessThan(150 * MiB);
      },
      60_000,
    );
  }
});
