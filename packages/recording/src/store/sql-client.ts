/**
 * The little the store needs from a PostgreSQL connection, so PGlite and `pg` share every query.
 * Parameters are `$1`-style; `text[]`/`integer[]` parameters are JS arrays.
 */
export interface SqlQueryable {
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  execScript(sql: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `work` in one transaction on one connection: COMMIT on success, ROLLBACK on throw. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
