import { AirlockError } from '@airlock/core';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryAccessGrants,
  PostgresStore,
  type AccessGrantStore,
  type AccessRequest,
} from '../../src/index.js';
import { STORE_BACKENDS, type OpenedStore } from '../store/helpers/store-backends.js';

const carol = { subject: 'carol', email: 'carol@example.com', groups: ['contractors'] };
const t0 = new Date('2026-12-01T10:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

let counter = 0;
function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  counter += 1;
  return {
    id: `grant-${counter}`,
    connection: 'prod-db',
    requester: carol,
    tools: [],
    durationSeconds: 60,
    reason: 'incident 42',
    at: t0,
    ...overrides,
  };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return AirlockError.from(error).code;
  }
  return 'no error';
}

function behaves(name: string, open: () => Promise<{ grants: AccessGrantStore; close(): Promise<void> }>) {
  describe(`access grants (${name})`, () => {
    let opened: { grants: AccessGrantStore; close(): Promise<void> };
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('stores a request, grants it once with an expiry, and reads it as expired after', async () => {
      const { grants } = opened;
      const asked = await grants.requestAccess(request({ tools: ['read_*'] }));
      expect(asked).toMatchObject({ status: 'requested', tools: ['read_*'], requester: carol });
      expect(await grants.getGrant(asked.id)).toMatchObject({ status: 'requested', reason: 'incident 42' });

      const granted = await grants.decideGrant(asked.id, { decision: 'grant', by: 'bob' }, later(10));
      expect(granted).toMatchObject({
        status: 'granted',
        decidedBy: 'bob',
        decidedAt: later(10).toISOString(),
        expiresAt: later(70).toISOString(),
      });
      expect((await grants.activeGrants(later(20))).map((g) => g.id)).toContain(asked.id);
      expect((await grants.activeGrants(later(70))).map((g) => g.id)).not.toContain(asked.id);

      // The first decision stands: a second grant or a deny is refused and changes nothing.
      expect(await codeOf(grants.decideGrant(asked.id, { decision: 'deny', by: 'alice' }, later(11)))).toBe(
        'approval_decided',
      );
      expect(await grants.getGrant(asked.id)).toMatchObject({ decidedBy: 'bob' });
    });

    it('denies a request, which then cannot be granted or revoked', async () => {
      const { grants } = opened;
      const asked = await grants.requestAccess(request());
      const denied = await grants.decideGrant(
        asked.id,
        { decision: 'deny', by: 'bob', reason: 'not on call' },
        later(1),
      );
      expect(denied).toMatchObject({ status: 'denied', decisionReason: 'not on call', expiresAt: undefined });
      expect(await codeOf(grants.decideGrant(asked.id, { decision: 'grant', by: 'bob' }, later(2)))).toBe(
        'approval_decided',
      );
      expect(await codeOf(grants.revokeGrant(asked.id, 'bob', undefined, later(2)))).toBe('approval_decided');
    });

    it('revokes a grant in force once; an expired grant cannot be revoked', async () => {
      const { grants } = opened;
      const first = await grants.requestAccess(request());
      await grants.decideGrant(first.id, { decision: 'grant', by: 'bob' }, t0);
      const revoked = await grants.revokeGrant(first.id, 'bob', 'done', later(5));
      expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'bob', revokeReason: 'done' });
      expect((await grants.activeGrants(later(6))).map((g) => g.id)).not.toContain(first.id);
      expect(await codeOf(grants.revokeGrant(first.id, 'bob', undefined, later(7)))).toBe('approval_decided');

      const second = await grants.requestAccess(request());
      await grants.decideGrant(second.id, { decision: 'grant', by: 'bob' }, t0);
      expect(await codeOf(grants.revokeGrant(second.id, 'bob', undefined, later(61)))).toBe(
        'approval_decided',
      );
    });

    it('refuses unknown ids with access_grant_not_found', async () => {
      const { grants } = opened;
      expect(await grants.getGrant('no-such-grant')).toBeUndefined();
      expect(await codeOf(grants.decideGrant('no-such-grant', { decision: 'grant', by: 'bob' }, t0))).toBe(
        'access_grant_not_found',
      );
      expect(await codeOf(grants.revokeGrant('no-such-grant', 'bob', undefined, t0))).toBe(
        'access_grant_not_found',
      );
    });

    it('lists newest first, filtered by status, requester and connection', async () => {
      const { grants } = opened;
      const dave = { subject: 'dave', groups: [] };
      const a = await grants.requestAccess(request({ connection: 'list-a', at: later(100) }));
      const b = await grants.requestAccess(
        request({ connection: 'list-a', requester: dave, at: later(200) }),
      );
      await grants.requestAccess(request({ connection: 'list-b', at: later(300) }));
      expect((await grants.listGrants({ connection: 'list-a', limit: 10 })).map((g) => g.id)).toEqual([
        b.id,
        a.id,
      ]);
      expect(
        (await grants.listGrants({ connection: 'list-a', requester: 'dave', limit: 10 })).map((g) => g.id),
      ).toEqual([b.id]);
      expect((await grants.listGrants({ limit: 1 })).length).toBe(1);
      await grants.decideGrant(a.id, { decision: 'grant', by: 'bob' }, new Date(Date.now() - 3_600_000));
      expect(
        (await grants.listGrants({ connection: 'list-a', status: 'expired', limit: 10 })).map((g) => g.id),
      ).toEqual([a.id]);
      expect(
        (await grants.listGrants({ connection: 'list-a', status: 'requested', limit: 10 })).map((g) => g.id),
      ).toEqual([b.id]);
    });
  });
}

behaves('memory', () =>
  Promise.resolve({ grants: new MemoryAccessGrants(), close: () => Promise.resolve() }),
);
for (const backend of STORE_BACKENDS) {
  behaves(backend.name, async () => {
    const opened: OpenedStore = await backend.open();
    await opened.store.migrate();
    return { grants: opened.store, close: () => opened.close() };
  });
}

describe('access grants shared by two gateways on one PostgreSQL', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('one of two simultaneous decisions wins; the other gateway sees it', async () => {
    const first = PostgresStore.open({ connectionString: server.connectionString });
    const second = PostgresStore.open({ connectionString: server.connectionString });
    try {
      await first.migrate();
      await second.migrate();
      const now = new Date();
      const asked = await first.requestAccess(request({ at: now }));
      const outcomes = await Promise.allSettled([
        first.decideGrant(asked.id, { decision: 'grant', by: 'bob' }, now),
        second.decideGrant(asked.id, { decision: 'deny', by: 'alice', reason: 'no' }, now),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(AirlockError.from((lost[0] as PromiseRejectedResult).reason).code).toBe('approval_decided');
      const seen = await second.getGrant(asked.id);
      expect(seen?.status).toBe((won[0] as PromiseFulfilledResult<{ status: string }>).value.status);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
