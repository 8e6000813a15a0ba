import type {
  AccessDecision,
  AccessGrant,
  AccessGrantFilter,
  AccessGrantStore,
  AccessRequest,
} from './access-grant-store.js';
import {
  grantNotFound,
  grantNotInForce,
  grantStatusAt,
  requestAlreadyDecided,
  statusOfDecision,
} from './grant-transitions.js';

type Row = { -readonly [K in keyof AccessGrant]: AccessGrant[K] };

/**
 * Access requests and grants in this process only: for a gateway without a recording store. They
 * do not survive a restart and are not shared with other gateways (the gateway says so at startup).
 */
export class MemoryAccessGrants implements AccessGrantStore {
  private readonly rows = new Map<string, Row>();

  requestAccess(request: AccessRequest): Promise<AccessGrant> {
    const row: Row = {
      id: request.id,
      connection: request.connection,
      requester: request.requester,
      tools: [...request.tools],
      durationSeconds: request.durationSeconds,
      reason: request.reason,
      status: 'requested',
      requestedAt: request.at.toISOString(),
      decidedAt: undefined,
      decidedBy: undefined,
      decisionReason: undefined,
      expiresAt: undefined,
      revokedAt: undefined,
      revokedBy: undefined,
      revokeReason: undefined,
    };
    this.rows.set(row.id, row);
    return Promise.resolve(this.view(row, request.at));
  }

  getGrant(id: string): Promise<AccessGrant | undefined> {
    const row = this.rows.get(id);
    return Promise.resolve(row === undefined ? undefined : this.view(row, new Date()));
  }

  listGrants(filter: AccessGrantFilter): Promise<AccessGrant[]> {
    const now = new Date();
    const grants = [...this.rows.values()]
      .map((row) => this.view(row, now))
      .filter(
        (g) =>
          (filter.status === undefined || g.status === filter.status) &&
          (filter.requester === undefined || g.requester.subject === filter.requester) &&
          (filter.connection === undefined || g.connection === filter.connection),
      )
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || b.id.localeCompare(a.id));
    return Promise.resolve(grants.slice(0, filter.limit));
  }

  decideGrant(id: string, decision: AccessDecision, now: Date): Promise<AccessGrant> {
    const row = this.rows.get(id);
    if (row === undefined) return Promise.reject(grantNotFound(id));
    if (row.status !== 'requested') return Promise.reject(requestAlreadyDecided(this.view(row, now)));
    row.status = statusOfDecision(decision);
    row.decidedAt = now.toISOString();
    row.decidedBy = decision.by;
    row.decisionReason = decision.reason;
    if (row.status === 'granted')
      row.expiresAt = new Date(now.getTime() + row.durationSeconds * 1000).toISOString();
    return Promise.resolve(this.view(row, now));
  }

  revokeGrant(id: string, by: string, reason: string | undefined, now: Date): Promise<AccessGrant> {
    const row = this.rows.get(id);
    if (row === undefined) return Promise.reject(grantNotFound(id));
    const current = this.view(row, now);
    if (current.status !== 'granted') return Promise.reject(grantNotInForce(current));
    row.status = 'revoked';
    row.revokedAt = now.toISOString();
    row.revokedBy = by;
    row.revokeReason = reason;
    return Promise.resolve(this.view(row, now));
  }

  activeGrants(now: Date): Promise<AccessGrant[]> {
    return Promise.resolve(
      [...this.rows.values()].map((row) => this.view(row, now)).filter((g) => g.status === 'granted'),
    );
  }

  private view(row: Row, now: Date): AccessGrant {
    return { ...row, tools: [...row.tools], status: grantStatusAt(row.status, row.expiresAt, now) };
  }
}
