import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
