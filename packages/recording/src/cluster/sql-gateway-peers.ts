import type { SqlQueryable } from '../store/sql-client.js';
import type { GatewayPeer, GatewayPeerStore } from './gateway-peer-store.js';

interface PeerRow {
  tag: string;
  gateway_id: string;
  internal_url: string;
  age: number | string;
}

/** The `gateway_peers` table: one row per running gateway, kept fresh by its heartbeat. */
export class SqlGatewayPeers implements GatewayPeerStore {
  constructor(private readonly db: SqlQueryable) {}

  async registerPeer(peer: { tag: string; gatewayId: string; internalUrl: string }): Promise<boolean> {
    const rows = await this.db.query<{ tag: string }>(
      `INSERT INTO gateway_peers (tag, gateway_id, internal_url) VALUES ($1, $2, $3)
       ON CONFLICT (tag) DO UPDATE SET internal_url = EXCLUDED.internal_url, heartbeat_at = now()
         WHERE gateway_peers.gateway_id = EXCLUDED.gateway_id AND gateway_peers.internal_url = EXCLUDED.internal_url
       RETURNING tag`,
      [peer.tag, peer.gatewayId, peer.internalUrl],
    );
    return rows.length === 1;
  }

  async heartbeatPeer(tag: string): Promise<boolean> {
    const rows = await this.db.query<{ tag: string }>(
      'UPDATE gateway_peers SET heartbeat_at = now() WHERE tag = $1 RETURNING tag',
      [tag],
    );
    return rows.length === 1;
  }

  async listPeers(): Promise<GatewayPeer[]> {
    const rows = await this.db.query<PeerRow>(
      `SELECT tag, gateway_id, internal_url, EXTRACT(EPOCH FROM (now() - heartbeat_at))::float8 AS age
       FROM gateway_peers ORDER BY tag`,
    );
    return rows.map((row) => ({
      tag: row.tag,
      gatewayId: row.gateway_id,
      internalUrl: row.internal_url,
      heartbeatAgeSeconds: Number(row.age),
    }));
  }

  async removePeer(tag: string): Promise<void> {
    await this.db.query('DELETE FROM gateway_peers WHERE tag = $1', [tag]);
  }
}
