import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { CustomDetectorConfig, MaskingReplacementConfig } from '../config/masking-schema.js';
import type { MaskingFinding } from '../recording/recording-event.js';
import type { BuiltinDetectorName } from './detector-names.js';

/**
 * The masking one session gets: what the agent applies to every string of every server→client
 * message. Built from the gateway's policy for the connection, raised to the agent's floor.
 */
export interface MaskingPolicy {
  readonly detectors: readonly BuiltinDetectorName[];
  readonly custom: readonly CustomDetectorConfig[];
  readonly replacement: MaskingReplacementConfig;
}

/** A value the agent injected (a credential, a static header) that must never leave it. */
export interface InjectedSecret {
  /** The type shown, e.g. `AWS_SECRET_ACCESS_KEY` or `UPSTREAM_HEADER`. */
  readonly type: string;
  readonly value: string;
}

export interface MaskOptions {
  /** Values masked wherever they appear, whatever the policy. */
  readonly injected?: readonly InjectedSecret[];
  /** Keyed hash for the `hash` style (HMAC with a key the agent holds), as lower-case hex. */
  readonly keyedHash?: (text: string) => string;
}

/** What masking one JSON value produced: the masked copy (the input is never changed) and findings. */
export interface MaskedValue<T> {
  readonly value: T;
  readonly findings: readonly MaskingFinding[];
}

/** A compiled policy: cheap to apply many times. */
export interface Masker {
  /** Masks every string (object keys are left as they are) in `value`; `path` prefixes finding paths. */
  mask<T>(value: T, path?: string): MaskedValue<T>;
  /**
   * The same, for large values: strings longer than `sliceChars` are scanned in slices and
   * `yieldEvery` is awaited between slices and between large subtrees, so other sessions go on.
   */
  maskAsync<T>(
    value: T,
    options: { readonly sliceChars: number; readonly yieldEvery: () => Promise<void> },
    path?: string,
  ): Promise<MaskedValue<T>>;
  /**
   * Masks a server→client message: every string but the protocol envelope and opaque ids (see
   * compile-masker.ts), so the result is still valid JSON-RPC and MCP.
   */
  maskMessage(message: JsonRpcMessage): MaskedValue<JsonRpcMessage>;
  maskMessageAsync(
    message: JsonRpcMessage,
    options: { readonly sliceChars: number; readonly yieldEvery: () => Promise<void> },
  ): Promise<MaskedValue<JsonRpcMessage>>;
}
