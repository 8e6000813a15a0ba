import {
  pinStatus,
  type ToolPin,
  type ToolPinChange,
  type ToolPinStore,
  type ToolSighting,
  type ToolSightingResult,
} from './tool-pin-store.js';

type Row = { -readonly [K in keyof ToolPin]: ToolPin[K] };

/** Pins in this process only: for a gateway without a recording store (they do not survive a restart). */
export class MemoryToolPins implements ToolPinStore {
  private readonly rows = new Map<string, Map<string, Row>>();

  toolPins(connection: string): Promise<ToolPin[]> {
    const rows = [...(this.rows.get(connection)?.values() ?? [])].sort((a, b) =>
      a.tool.localeCompare(b.tool),
    );
    return Promise.resolve(
      rows.map((r) => ({ ...r, status: pinStatus(r.seenFingerprint, r.acceptedFingerprint) })),
    );
  }

  recordToolSightings(
    connection: string,
    tools: readonly ToolSighting[],
    at: Date,
  ): Promise<ToolSightingResult> {
    let pins = this.rows.get(connection);
    const firstSighting = pins === undefined || pins.size === 0;
    pins ??= new Map();
    this.rows.set(connection, pins);
    const when = at.toISOString();
    const changes: ToolPinChange[] = [];
    for (const s of tools) {
      const row = pins.get(s.tool);
      if (row === undefined) {
        pins.set(s.tool, {
          connection,
          tool: s.tool,
          status: 'new',
          seenFingerprint: s.fingerprint,
          seenDefinition: s.definition,
          acceptedFingerprint: firstSighting ? s.fingerprint : undefined,
          acceptedDefinition: firstSighting ? s.definition : undefined,
          firstSeenAt: when,
          changedAt: when,
          acceptedAt: firstSighting ? when : undefined,
          acceptedBy: firstSighting ? 'first use' : undefined,
        });
        if (!firstSighting) {
          changes.push({
            tool: s.tool,
            change: 'new',
            oldFingerprint: undefined,
            oldDefinition: undefined,
            newFingerprint: s.fingerprint,
            newDefinition: s.definition,
          });
        }
      } else if (row.seenFingerprint !== s.fingerprint) {
        row.seenFingerprint = s.fingerprint;
        row.seenDefinition = s.definition;
        row.changedAt = when;
        if (row.acceptedFingerprint !== s.fingerprint) {
          changes.push({
            tool: s.tool,
            change: row.acceptedFingerprint === undefined ? 'new' : 'changed',
            oldFingerprint: row.acceptedFingerprint,
            oldDefinition: row.acceptedDefinition,
            newFingerprint: s.fingerprint,
            newDefinition: s.definition,
          });
        }
      }
    }
    return Promise.resolve({ firstSighting, changes });
  }

  acceptTools(connection: string, tools: readonly string[] | 'all', by: string, at: Date): Promise<string[]> {
    const accepted: string[] = [];
    for (const row of this.rows.get(connection)?.values() ?? []) {
      if (row.acceptedFingerprint === row.seenFingerprint) continue;
      if (tools !== 'all' && !tools.includes(row.tool)) continue;
      row.acceptedFingerprint = row.seenFingerprint;
      row.acceptedDefinition = row.seenDefinition;
      row.acceptedAt = at.toISOString();
      row.acceptedBy = by;
      accepted.push(row.tool);
    }
    return Promise.resolve(accepted.sort());
  }
}
