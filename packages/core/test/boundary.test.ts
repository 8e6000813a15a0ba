import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** core is the pure domain: it may import only these packages, never Node built-ins or transports. */
const ALLOWED = new Set(['zod', 'yaml', '@marcbachmann/cel-js', 're2js', 'libphonenumber-js']);
const src = new URL('../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) specifiers.push((match[1] ?? match[2] ?? match[3]) as string);
  return specifiers;
}

/** What importing `file` loads: static imports and re-exports, not `import type` nor `import()`. */
function staticImportsOf(text: string): string[] {
  const pattern = /^\s*(?:import|export)(\s+type\b)?(?:\s[^'";]*?from)?\s*['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].filter((m) => m[1] === undefined).map((m) => m[2] as string);
}

/** The packages a process loads when it imports `entry`, following relative files. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImportsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  }
  return packages;
}

describe('packages/core boundary', () => {
  const files = sourceFiles(src);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports no I/O module: only relative files and pure libraries', () => {
    const offenders: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) continue;
        const pkg = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0];
        if (!ALLOWED.has(pkg as string)) offenders.push(`${file.slice(src.length)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the import scanner catches the forms it must (a check that cannot fail is no check)', () => {
    expect(importsOf("import { createServer } from 'node:http';")).toEqual(['node:http']);
    expect(importsOf("import type { X } from '@grpc/grpc-js'")).toEqual(['@grpc/grpc-js']);
    expect(importsOf("const fs = await import('node:fs')")).toEqual(['node:fs']);
    expect(importsOf("export { a } from './a.js'")).toEqual(['./a.js']);
  });

  it('offers the command-line client an entry point that loads no library (@airlock/core/client)', () => {
    // zod and yaml were about half of an `airlock` command's start-up.
    expect([...packagesLoadedBy(join(src, 'client.ts'))]).toEqual([]);
    expect(packagesLoadedBy(join(src, 'index.ts')).has('yaml')).toBe(true);
  });

  it('loads the phone parser and the CEL library only when used (about 10 MB each in a process)', () => {
    const loaded = packagesLoadedBy(join(src, 'index.ts'));
    expect(loaded.has('zod')).toBe(true);
    expect(loaded.has('libphonenumber-js')).toBe(false);
    expect(loaded.has('@marcbachmann/cel-js')).toBe(false);
    // What the scanner follows: a value import yes, a type-only import or an import() not.
    expect(staticImportsOf("import { a, type B } from './a.js';\nimport type { C } from './c.js';")).toEqual([
      './a.js',
    ]);
    expect(staticImportsOf("const m = await import('./phone.js');\nexport * from './d.js';")).toEqual([
      './d.js',
    ]);
  });
});
