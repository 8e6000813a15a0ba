import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import {
  pinStatus,
  type ToolPin,
  type ToolPinChange,
  type ToolPinStore,
  type ToolSighting,
  type ToolSightingResult,
} from './tool-pin-store.js';

interface PinRow {
  connection: string;
  tool: string;
  seen_fingerprint: string;
  seen_definition: string;
  accepted_fingerprint: string | null;
  accepted_definition: string | null;
  first_seen_at: Date | string;
  changed_at: Date | string;
  accepted_at: Date | string | null;
  accepted_by: string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

function pinOf(row: PinRow): ToolPin {
  return {
    connection: row.connection,
    tool: row.tool,
    status: pinStatus(row.seen_fingerprint, row.accepted_fingerprint),
    seenFingerprint: row.seen_fingerprint,
    seenDefinition: row.seen_definition,
    acceptedFingerprint: row.accepted_fingerprint ?? undefined,
    acceptedDefinition: row.accepted_definition ?? undefined,
    firstSeenAt: iso(row.first_seen_at),
    changedAt: iso(row.changed_at),
    acceptedAt: row.accepted_at === null ? undefined : iso(row.accepted_at),
    acceptedBy: row.accepted_by ?? undefined,
  };
}

async function pinsOf(db: SqlQueryable, connection: string, lock = false): Promise<PinRow[]> {
  return db.query<PinRow>(
    `SELECT * FROM tool_pins WHERE connection = $1 ORDER BY tool${lock ? ' FOR UPDATE' : ''}`,
    [connection],
  );
}

/** Tool pins in the recording store's database: one transaction per sighting, so gateways agree. */
export class SqlToolPins implements ToolPinStore {
  constructor(private readonly db: SqlClient) {}

  async toolPins(connection: string): Promise<ToolPin[]> {
    return (await pinsOf(this.db, connection)).map(pinOf);
  }

  recordToolSightings(
    connection: string,
    tools: readonly ToolSighting[],
    at: Date,
  ): Promise<ToolSightingResult> {
    return this.db.transaction(async (tx) => {
      // Serialise sightings of one connection: two gateways seeing the first list at once must not
      // both think they are first (a transaction-scoped advisory lock on the connection's name).
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`airlock-tool-pins:${connection}`]);
      const existing = new Map((await pinsOf(tx, connection)).map((row) => [row.tool, row]));
      const firstSighting = existing.size === 0;
      const changes: ToolPinChange[] = [];
      for (const sighting of tools) {
        const row = existing.get(sighting.tool);
        if (row === undefined) {
          await tx.query(
            `INSERT INTO tool_pins (connection, tool, seen_fingerprint, seen_definition, accepted_fingerprint,
               accepted_definition, first_seen_at, changed_at, accepted_at, accepted_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)`,
            [
              connection,
              sighting.tool,
              sighting.fingerprint,
              sighting.definition,
              firstSighting ? sighting.fingerprint : null,
              firstSighting ? sighting.definition : null,
              at,
              firstSighting ? at : null,
              firstSighting ? 'first use' : null,
            ],
          );
          if (!firstSighting) {
            changes.push({
              tool: sighting.tool,
              change: 'new',
              oldFingerprint: undefined,
              oldDefinition: undefined,
              newFingerprint: sighting.fingerprint,
              newDefinition: sighting.definition,
            });
          }
        } else if (row.seen_fingerprint !== sighting.fingerprint) {
          await tx.query(
            `UPDATE tool_pins SET seen_fingerprint = $3, seen_definition = $4, changed_at = $5
             WHERE connection = $1 AND tool = $2`,
            [connection, sighting.tool, sighting.fingerprint, sighting.definition, at],
          );
          if (row.accepted_fingerprint !== sighting.fingerprint) {
            changes.push({
              tool: sighting.tool,
              change: row.accepted_fingerprint === null ? 'new' : 'changed',
              oldFingerprint: row.accepted_fingerprint ?? undefined,
              oldDefinition: row.accepted_definition ?? undefined,
              newFingerprint: sighting.fingerprint,
              newDefinition: sighting.definition,
            });
          }
        }
      }
      return { firstSighting, changes };
    });
  }

  async acceptTools(
    connection: string,
    tools: readonly string[] | 'all',
    by: string,
    at: Date,
  ): Promise<string[]> {
    const rows = await this.db.query<{ tool: string }>(
      `UPDATE tool_pins SET accepted_fingerprint = seen_fingerprint, accepted_definition = seen_definition,
         accepted_at = $2, accepted_by = $3
       WHERE connection = $1 AND accepted_fingerprint IS DISTINCT FROM seen_fingerprint
         AND ($4::boolean OR tool = ANY($5::text[]))
       RETURNING tool`,
      [connection, at, by, tools === 'all', tools === 'all' ? [] : [...tools]],
    );
    return rows.map((r) => r.tool).sort();
  }
}
