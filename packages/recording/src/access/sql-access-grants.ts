import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import type {
  AccessDecision,
  AccessGrant,
  AccessGrantFilter,
  AccessGrantStatus,
  AccessGrantStore,
  AccessRequest,
} from './access-grant-store.js';
import type { ApprovalRequester } from '../approvals/approval-store.js';
import {
  grantNotFound,
  grantNotInForce,
  grantStatusAt,
  requestAlreadyDecided,
  statusOfDecision,
} from './grant-transitions.js';

interface GrantRow {
  id: string;
  connection: string;
  requester: ApprovalRequester | string;
  tools: string[] | string;
  duration_seconds: number;
  reason: string;
  status: AccessGrantStatus;
  requested_at: Date | string;
  decided_at: Date | string | null;
  decided_by: string | null;
  decision_reason: string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();
const isoOrUndefined = (value: Date | string | null): string | undefined =>
  value === null ? undefined : iso(value);
// jsonb comes back parsed from both drivers; text (a driver without the type parser) is parsed here.
const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

function grantOf(row: GrantRow, now: Date): AccessGrant {
  const expiresAt = isoOrUndefined(row.expires_at);
  return {
    id: row.id,
    connection: row.connection,
    requester: json(row.requester),
    tools: json(row.tools),
    durationSeconds: row.duration_seconds,
    reason: row.reason,
    status: grantStatusAt(row.status, expiresAt, now),
    requestedAt: iso(row.requested_at),
    decidedAt: isoOrUndefined(row.decided_at),
    decidedBy: row.decided_by ?? undefined,
    decisionReason: row.decision_reason ?? undefined,
    expiresAt,
    revokedAt: isoOrUndefined(row.revoked_at),
    revokedBy: row.revoked_by ?? undefined,
    revokeReason: row.revoke_reason ?? undefined,
  };
}

/** The stored status and expiry condition that read as `status` at $1 (now). */
function statusCondition(status: AccessGrantStatus, nowParam: string): string {
  if (status === 'granted') return `status = 'granted' AND expires_at > ${nowParam}`;
  if (status === 'expired') return `status = 'granted' AND expires_at <= ${nowParam}`;
  return `status = '${status}'`;
}

async function lockedGrant(tx: SqlQueryable, id: string): Promise<GrantRow> {
  const [row] = await tx.query<GrantRow>('SELECT * FROM access_grants WHERE id = $1 FOR UPDATE', [id]);
  if (row === undefined) throw grantNotFound(id);
  return row;
}

/**
 * Access requests and grants in the recording store's database, shared by every gateway on it.
 * Each transition reads the row `FOR UPDATE` in its own transaction, so two approvers deciding
 * at once (on two gateways) make one decision and the other hears `approval_decided`.
 */
export class SqlAccessGrants implements AccessGrantStore {
  constructor(private readonly db: SqlClient) {}

  async requestAccess(request: AccessRequest): Promise<AccessGrant> {
    const [row] = await this.db.query<GrantRow>(
      `INSERT INTO access_grants (id, connection, requester, subject, tools, duration_seconds, reason, status,
         requested_at)
       VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7, 'requested', $8)
       RETURNING *`,
      [
        request.id,
        request.connection,
        JSON.stringify(request.requester),
        request.requester.subject,
        JSON.stringify(request.tools),
        request.durationSeconds,
        request.reason,
        request.at,
      ],
    );
    return grantOf(row as GrantRow, request.at);
  }

  async getGrant(id: string): Promise<AccessGrant | undefined> {
    const [row] = await this.db.query<GrantRow>('SELECT * FROM access_grants WHERE id = $1', [id]);
    return row === undefined ? undefined : grantOf(row, new Date());
  }

  async listGrants(filter: AccessGrantFilter): Promise<AccessGrant[]> {
    const now = new Date();
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.status === 'granted' || filter.status === 'expired') params.push(now);
    if (filter.status !== undefined) where.push(statusCondition(filter.status, `$${params.length}`));
    if (filter.requester !== undefined) {
      params.push(filter.requester);
      where.push(`subject = $${params.length}`);
    }
    if (filter.connection !== undefined) {
      params.push(filter.connection);
      where.push(`connection = $${params.length}`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<GrantRow>(
      `SELECT * FROM access_grants ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY requested_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => grantOf(row, now));
  }

  decideGrant(id: string, decision: AccessDecision, now: Date): Promise<AccessGrant> {
    return this.db.transaction(async (tx) => {
      const row = await lockedGrant(tx, id);
      if (row.status !== 'requested') throw requestAlreadyDecided(grantOf(row, now));
      const status = statusOfDecision(decision);
      const expiresAt = status === 'granted' ? new Date(now.getTime() + row.duration_seconds * 1000) : null;
      const [updated] = await tx.query<GrantRow>(
        `UPDATE access_grants SET status = $2, decided_at = $3, decided_by = $4, decision_reason = $5,
           expires_at = $6
         WHERE id = $1 RETURNING *`,
        [id, status, now, decision.by, decision.reason ?? null, expiresAt],
      );
      return grantOf(updated as GrantRow, now);
    });
  }

  revokeGrant(id: string, by: string, reason: string | undefined, now: Date): Promise<AccessGrant> {
    return this.db.transaction(async (tx) => {
      const current = grantOf(await lockedGrant(tx, id), now);
      if (current.status !== 'granted') throw grantNotInForce(current);
      const [updated] = await tx.query<GrantRow>(
        `UPDATE access_grants SET status = 'revoked', revoked_at = $2, revoked_by = $3, revoke_reason = $4
         WHERE id = $1 RETURNING *`,
        [id, now, by, reason ?? null],
      );
      return grantOf(updated as GrantRow, now);
    });
  }

  async activeGrants(now: Date): Promise<AccessGrant[]> {
    const rows = await this.db.query<GrantRow>(
      `SELECT * FROM access_grants WHERE status = 'granted' AND expires_at > $1 ORDER BY expires_at, id`,
      [now],
    );
    return rows.map((row) => grantOf(row, now));
  }
}
