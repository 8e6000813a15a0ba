import { startConformanceHttp } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_KNOWN_FAILING, FIXTURE_NOT_APPLICABLE, FIXTURE_PASSES } from './expectations.js';
import { formatConformance, runServerConformanceDetailed, type ConformanceRun } from './run-conformance.js';

// The fixture alone, no Airlock: establishes the baseline a run through the gateway is compared to.
describe('conformance fixture, direct', () => {
  let server: Awaited<ReturnType<typeof startConformanceHttp>>;
  let run: ConformanceRun;

  beforeAll(async () => {
    server = await startConformanceHttp();
    run = await runServerConformanceDetailed(server.url, { suite: 'all' });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('passes every 2025-era scenario it is meant to', () => {
    const failing = FIXTURE_PASSES.filter((name) => run.results.get(name)?.outcome !== 'pass');
    expect(failing, formatConformance(run.results)).toEqual([]);
    for (const name of FIXTURE_PASSES) expect(run.results.get(name)!.passed, name).toBeGreaterThan(0);
  });

  it('fails only the scenarios listed as known failing', () => {
    // A known-failing scenario that starts passing for real is a stale entry: move it.
    const stale = [...FIXTURE_KNOWN_FAILING.keys()].filter((name) => {
      const result = run.results.get(name);
      return result?.outcome === 'pass';
    });
    expect(stale).toEqual([]);
  });

  it('knows every scenario the CLI ran', () => {
    const unclassified = [...run.results.keys()].filter(
      (name) =>
        !FIXTURE_PASSES.includes(name) &&
        !FIXTURE_KNOWN_FAILING.has(name) &&
        !FIXTURE_NOT_APPLICABLE.has(name),
    );
    expect(unclassified).toEqual([]);
  });
});
