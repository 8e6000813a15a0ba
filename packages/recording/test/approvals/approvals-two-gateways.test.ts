import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/index.js';
import { heldCall, vote } from './helpers/approval-store-contract.js';

/** Two gateways on one PostgreSQL, each with its own connection pool: the races the locks decide. */
describe('approvals shared by two gateways on one PostgreSQL', () => {
  let server: RunningPostgres;
  let first: PostgresStore;
  let second: PostgresStore;
  beforeAll(async () => {
    server = await startPostgres();
    first = PostgresStore.open({ connectionString: server.connectionString });
    second = PostgresStore.open({ connectionString: server.connectionString });
    await Promise.all([first.migrate(), second.migrate()]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await server?.stop();
  });
  const gateway = (i: number): PostgresStore => (i % 2 === 0 ? first : second);

  it('holds one approval for one digest however many retries arrive at once', async () => {
    const call = heldCall();
    const holds = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateway(i).holdCall({ ...call, id: `apr-race-${i}` })),
    );
    expect(holds.filter((h) => h.created)).toHaveLength(1);
    expect(new Set(holds.map((h) => h.approval.id)).size).toBe(1);
  });

  it('counts one of two simultaneous decisions and refuses the other', async () => {
    const call = heldCall();
    await first.holdCall(call);
    const at = new Date(call.at.getTime() + 1000);
    const results = await Promise.allSettled([
      first.voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at),
      second.voteOnApproval(call.id, vote('carol', ['sre'], 'deny', at), at),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'approval_decided' });
    expect((await first.getApproval(call.id))?.votes).toHaveLength(1);
  });

  it('releases an approved call exactly once across gateways and pool connections', async () => {
    const call = heldCall();
    await first.holdCall(call);
    const at = new Date(call.at.getTime() + 1000);
    await second.voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateway(i).claimRelease(call.id, `gw-${i}`, at)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
