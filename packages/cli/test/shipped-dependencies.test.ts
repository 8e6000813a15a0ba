import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const packagesDir = new URL('../../', import.meta.url);

/** Workspace package name → folder, for the packages whose manifests we follow. */
function folderOf(name: string): string {
  return name.replace('@airlock/', '');
}

function runtimeDependencies(name: string): string[] {
  const manifest = JSON.parse(
    readFileSync(new URL(`${folderOf(name)}/package.json`, packagesDir), 'utf8'),
  ) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

/** Every @airlock package a shipped package pulls in at run time (devDependencies excluded). */
function workspaceClosure(root: string): Set<string> {
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...runtimeDependencies(name).filter((dep) => dep.startsWith('@airlock/')));
  }
  return seen;
}

describe('what the shipped CLI and agent depend on', () => {
  it('the airlock CLI (dev included) pulls in no test code', () => {
    const closure = workspaceClosure('@airlock/cli');
    expect(closure).toContain('@airlock/demo');
    expect(closure).not.toContain('@airlock/testkit');
  });

  it('the agent pulls in neither test code, the demo servers nor the gateway', () => {
    const closure = workspaceClosure('@airlock/agent');
    expect(closure).toContain('@airlock/tunnel');
    for (const name of ['@airlock/testkit', '@airlock/demo', '@airlock/gateway', '@airlock/dev-identity'])
      expect(closure).not.toContain(name);
  });
});
