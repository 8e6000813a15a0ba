import { fileURLToPath } from 'node:url';

// Resolved against the package root (this file sits one level below it in both src/ and dist/), so
// tests running from source still spawn the compiled bins: run `tsc -b packages/testkit` first.
function bin(name: string): string {
  return fileURLToPath(new URL(`../dist/bin/${name}.js`, import.meta.url));
}

/** Absolute paths of the testkit's executable entries, to run with `node` (or `spawnNode`). */
export const testkitBins = Object.freeze({
  /** The kitchen sink over stdio. */
  kitchenSinkStdio: bin('kitchen-sink-stdio'),
  /** The kitchen sink over stateful Streamable HTTP: `--port N`, prints `{"url"}`. */
  kitchenSinkHttp: bin('kitchen-sink-http'),
  /** The v2 modern (2026-07-28) server: `--port N [--legacy reject|stateless]`, prints `{"url"}`. */
  modernHttp: bin('modern-http'),
  /** The conformance fixture over stateful Streamable HTTP: `--port N`, prints `{"url"}`. */
  conformanceHttp: bin('conformance-http'),
  /** A raw `node:http` JSON echo (no SDK; 2025 era, one JSON answer per POST): `--port N`, prints `{"url"}`. */
  rawEchoHttp: bin('raw-echo-http'),
});
