// Builds the console into dist/: one hashed, minified JavaScript bundle and one stylesheet, an
// index.html naming them (no inline script or style: the gateway's CSP allows neither), and a gzip
// twin of each file for the gateway to serve. Prints the compressed size of the JavaScript.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
await rm(dist, { recursive: true, force: true });
const result = await build({
  entryPoints: { app: join(root, 'src/main.tsx'), console: join(root, 'src/console.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => join(process.cwd(), file));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Airlock console</title>
    <link rel="stylesheet" href="/console/assets/${basename(style)}">
    <script type="module" src="/console/assets/${basename(script)}"></script>
  </head>
  <body>
    <div id="app"><noscript>The Airlock console needs JavaScript.</noscript></div>
  </body>
</html>
`;
await writeFile(join(dist, 'index.html'), html);
await mkdir(dist, { recursive: true });
for (const file of [...outputs, join(dist, 'index.html')]) {
  await writeFile(`${file}.gz`, gzipSync(await readFile(file), { level: 9 }));
}
const js = await readFile(script);
console.log(
  `console: ${basename(script)} ${(js.length / 1024).toFixed(1)} KiB, ${(gzipSync(js, { level: 9 }).length / 1024).toFixed(1)} KiB gzip`,
);
