import { startModernConformanceHttp, type RunningServer } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from '../e2e/support/airlock-harness.js';
import {
  checkDifferences,
  formatConformance,
  runServerConformanceDetailed,
  type ConformanceRun,
} from './run-conformance.js';

/**
 * The 2026-07-28 scenarios against an independent stateless server (the v2 SDK's McpServer behind
 * its createMcpHandler, not Airlock's code), directly and through gateway + agent, compared check
 * by check: every check must end the same way through Airlock as direct, so a scenario that runs
 * fewer checks, or skips one, fails here even when it "passes".
 */
describe('conformance, 2026-07-28 era: through Airlock equals direct, check by check', () => {
  let server: RunningServer;
  let airlock: AirlockHarness;
  let direct: ConformanceRun;
  let through: ConformanceRun;

  beforeAll(async () => {
    server = await startModernConformanceHttp();
    airlock = await startAirlock({
      connections: { conformance: { transport: 'http', url: server.url, eras: ['modern'] } },
    });
    direct = await runServerConformanceDetailed(server.url, { requirements: '2026-07-28' });
    through = await runServerConformanceDetailed(airlock.mcpUrl('conformance'), {
      requirements: '2026-07-28',
    });
  }, 240_000);

  afterAll(async () => {
    await airlock?.close();
    await server?.close();
  });

  it('the fixture passes server-stateless (SEP-2575) directly, every check', () => {
    const stateless = direct.results.get('server-stateless');
    expect(stateless?.outcome, formatConformance(direct.results)).toBe('pass');
    expect(stateless?.checks.filter((c) => c.status !== 'SUCCESS')).toEqual([]);
    expect(stateless?.passed).toBeGreaterThanOrEqual(30);
  });

  it('ends every check the same way through Airlock as direct', () => {
    expect(
      checkDifferences(direct.results, through.results),
      `through Airlock:\n${formatConformance(through.results)}`,
    ).toEqual([]);
  });
});
