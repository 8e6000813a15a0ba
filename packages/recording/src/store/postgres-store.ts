import pg from 'pg';
import { SqlAgentEnrollments } from '../cluster/sql-agent-enrollments.js';
import { SqlGatewayPeers } from '../cluster/sql-gateway-peers.js';
import { SqlModernGroups } from '../cluster/sql-modern-groups.js';
import { listenForChanges } from '../changes/postgres-change-listener.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { SqlRecordingStore, type StoreEncryptionOptions } from './sql-recording-store.js';

export interface PostgresStoreOptions {
  /** `postgresql://user:password@host:port/database?sslmode=...` */
  readonly connectionString: string;
  /** Encrypt messages at rest (one data key per session, wrapped by `wrapper`). */
  readonly encryption?: StoreEncryptionOptions | undefined;
  /** Pool size per gateway; default 10. */
  readonly maxConnections?: number | undefined;
  /**
   * An idle pooled connection failed (server restart, network). The pool drops it and the next
   * query opens a new one; without a listener `pg` would crash the process on this event.
   */
  readonly onIdleConnectionError?: ((error: Error) => void) | undefined;
}

function queryable(db: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query(sql, [...params]);
      return result.rows as Row[];
    },
    async execScript(sql: string) {
      // No parameters: `pg` uses the simple query protocol, which accepts several statements.
      await db.query(sql);
    },
  };
}

/** The shared store: one PostgreSQL for every gateway (e.g. RDS or Aurora). */
export class PostgresStore extends SqlRecordingStore {
  /** The gateways sharing this store (multi-gateway routing of 2025-era sessions). */
  readonly peers: SqlGatewayPeers;
  /** Agents enrolled with `airlock agents create`, shared by every gateway on this store. */
  readonly enrollments: SqlAgentEnrollments;
  /** Modern-era recording groups shared by every gateway on this store. */
  readonly modernGroups: SqlModernGroups;

  private constructor(client: SqlClient, options: PostgresStoreOptions) {
    super(client, { encryption: options.encryption }, (onChange) =>
      listenForChanges(
        { connectionString: options.connectionString, onError: options.onIdleConnectionError },
        onChange,
      ),
    );
    this.peers = new SqlGatewayPeers(client);
    this.enrollments = new SqlAgentEnrollments(client);
    this.modernGroups = new SqlModernGroups(client);
  }

  static open(options: PostgresStoreOptions): PostgresStore {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      // The planner's default random_page_cost (4) prices index lookups for spinning disks. At 4 a
      // text search matching one session of 100,000 read every session row (580 ms) instead of
      // looking the one up; 1.1 is the usual value for SSD storage (RDS, Aurora). Set on the
      // store's own connections only. The pool awaits this hook before it hands a new connection
      // out, so the SET never overlaps a query (`pg` deprecates a query sent while another runs,
      // and pg 9 refuses it). A startup parameter (`options=-c ...`) would save the round trip
      // once per connection, but PgBouncer refuses startup parameters it does not know.
      onConnect: async (connection) => {
        await connection.query('SET random_page_cost = 1.1').catch(() => {
          // A failed SET leaves the server's setting; the connection reports its own errors.
        });
      },
    });
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    const client: SqlClient = {
      ...queryable(pool),
      async transaction(work) {
        const connection = await pool.connect();
        let broken = false;
        // A checked-out connection that loses its server fails its query and also emits 'error';
        // the pool listens only on idle connections, so without this the error would end the process.
        const lost = (): void => {
          broken = true;
        };
        connection.on('error', lost);
        try {
          await connection.query('BEGIN');
          const result = await work(queryable(connection));
          await connection.query('COMMIT');
          return result;
        } catch (error) {
          // A connection that cannot even roll back is discarded rather than returned to the pool.
          await connection.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw error;
        } finally {
          connection.off('error', lost);
          connection.release(broken);
        }
      },
      close: () => pool.end(),
    };
    return new PostgresStore(client, options);
  }
}
