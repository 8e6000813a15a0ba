import type { PinningMode } from '../config/pinning-schema.js';

/**
 * One tool of a connection as `GET /api/v1/tools/<connection>` answers it: what `airlock tools`
 * and the console show an administrator. A tool that changed (or is new) carries the diff of its
 * definition against the accepted one.
 */
export interface ToolPinView {
  readonly tool: string;
  readonly status: 'pinned' | 'changed' | 'new';
  readonly fingerprint: string;
  readonly acceptedFingerprint: string | undefined;
  readonly firstSeenAt: string;
  readonly changedAt: string;
  readonly acceptedAt: string | undefined;
  readonly acceptedBy: string | undefined;
  readonly diff?: readonly { readonly field: string; readonly old?: unknown; readonly new?: unknown }[];
}

/** `GET /api/v1/tools/<connection>`. */
export interface ToolPinListView {
  readonly connection: string;
  /**
   * What the gateway does with the connection's changed and new tools until they are accepted:
   * `warn` (clients see and call them), `hide` (left out of lists, calls refused), `block` (every
   * tool call on the connection refused), `off` (not checked).
   */
  readonly mode: PinningMode;
  readonly tools: readonly ToolPinView[];
}
