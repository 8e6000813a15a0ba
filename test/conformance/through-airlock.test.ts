import { startConformanceHttp } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from '../e2e/support/airlock-harness.js';
import {
  checkDifferences,
  formatConformance,
  isImprovement,
  runServerConformanceDetailed,
  type ConformanceRun,
} from './run-conformance.js';

/**
 * The connection declares both eras, so 2026-07-28 requests meet the gateway's own checks of that
 * wire (header/body agreement, the `_meta` envelope) before they reach this 2025-era fixture, which
 * fails them directly. Through Airlock those checks pass; nothing else changes.
 */
const GATEWAY_CHECKS_THE_MODERN_WIRE = ['server-stateless', 'tasks-request-headers'];

/**
 * The conformance suite's server scenarios against the same fixture twice in one test: directly,
 * and through gateway + agent. The connection declares both protocol eras, so every request
 * (2026-07-28 ones too) reaches the fixture and its own answers are compared: Airlock must not
 * change any scenario's outcome.
 */
describe('conformance: through Airlock equals direct', () => {
  let server: Awaited<ReturnType<typeof startConformanceHttp>>;
  let airlock: AirlockHarness;
  let direct: ConformanceRun;
  let through: ConformanceRun;

  beforeAll(async () => {
    server = await startConformanceHttp();
    airlock = await startAirlock({
      connections: { conformance: { transport: 'http', url: server.url, eras: ['legacy', 'modern'] } },
    });
    direct = await runServerConformanceDetailed(server.url, { suite: 'all' });
    through = await runServerConformanceDetailed(airlock.mcpUrl('conformance'), { suite: 'all' });
  }, 240_000);

  afterAll(async () => {
    await airlock?.close();
    await server?.close();
  });

  it('runs the same scenarios both ways, and enough of them pass to mean something', () => {
    expect([...through.results.keys()].sort()).toEqual([...direct.results.keys()].sort());
    const passing = [...direct.results.values()].filter((r) => r.outcome === 'pass').length;
    expect(passing).toBeGreaterThanOrEqual(25);
  });

  it('gives every scenario the same outcome through Airlock as direct', () => {
    const differences = [...direct.results].flatMap(([name, d]) => {
      const t = through.results.get(name);
      return t?.outcome === d.outcome ? [] : [`${name}: direct ${d.outcome}, through Airlock ${t?.outcome}`];
    });
    expect(differences, `through Airlock:\n${formatConformance(through.results)}`).toEqual([]);
  });

  it('ends every check the same way through Airlock as direct (SSE resumability included)', () => {
    const worse = checkDifferences(direct.results, through.results).filter((d) => !isImprovement(d));
    expect(worse, `through Airlock:\n${formatConformance(through.results)}`).toEqual([]);
  });

  it('runs the SSE polling checks through Airlock: priming event, retry, resume with Last-Event-ID', () => {
    const polling = through.results.get('server-sse-polling')?.checks ?? [];
    const status = (id: string) => polling.find((c) => c.id === id)?.status;
    expect(status('server-sse-priming-event')).toBe('SUCCESS');
    expect(status('server-sse-retry-field')).toBe('SUCCESS');
    expect(status('server-sse-disconnect-resume')).toBe('SUCCESS');
  });

  it('passes through Airlock only checks the 2025-era fixture fails, where the gateway checks the 2026-07-28 wire itself', () => {
    const better = checkDifferences(direct.results, through.results).filter(isImprovement);
    expect(better.map((d) => d.scenario).sort(), JSON.stringify(better, null, 2)).toEqual([
      ...GATEWAY_CHECKS_THE_MODERN_WIRE,
    ]);
  });
});
