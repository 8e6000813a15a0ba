/** A tool as the gateway saw it in a tools/list answer. */
export interface ToolSighting {
  readonly tool: string;
  /** SHA-256 (hex) of the canonical JSON of the definition's pinned fields. */
  readonly fingerprint: string;
  /** That canonical JSON. */
  readonly definition: string;
}

/** `pinned`: seen as accepted. `new`: never accepted. `changed`: differs from what was accepted. */
export type ToolPinStatus = 'pinned' | 'new' | 'changed';

export interface ToolPin {
  readonly connection: string;
  readonly tool: string;
  readonly status: ToolPinStatus;
  readonly seenFingerprint: string;
  readonly seenDefinition: string;
  readonly acceptedFingerprint: string | undefined;
  readonly acceptedDefinition: string | undefined;
  readonly firstSeenAt: string;
  readonly changedAt: string;
  readonly acceptedAt: string | undefined;
  readonly acceptedBy: string | undefined;
}

/** A tool whose seen definition moved with this sighting (recorded once per new fingerprint). */
export interface ToolPinChange {
  readonly tool: string;
  readonly change: 'new' | 'changed';
  readonly oldFingerprint: string | undefined;
  readonly oldDefinition: string | undefined;
  readonly newFingerprint: string;
  readonly newDefinition: string;
}

export interface ToolSightingResult {
  /** True when the connection had no pins: everything seen was pinned as accepted (trust on first use). */
  readonly firstSighting: boolean;
  readonly changes: readonly ToolPinChange[];
}

/** Where pins live: the recording store's SQL (shared by gateways) or memory (no store). */
export interface ToolPinStore {
  toolPins(connection: string): Promise<ToolPin[]>;
  recordToolSightings(
    connection: string,
    tools: readonly ToolSighting[],
    at: Date,
  ): Promise<ToolSightingResult>;
  /** Accepts the seen definitions of `tools` (or all pending ones); returns the tools accepted. */
  acceptTools(connection: string, tools: readonly string[] | 'all', by: string, at: Date): Promise<string[]>;
}

export function pinStatus(seen: string, accepted: string | undefined | null): ToolPinStatus {
  if (accepted === undefined || accepted === null) return 'new';
  return accepted === seen ? 'pinned' : 'changed';
}
