import { errorCatalogue, isAirlockErrorCode, type AirlockErrorCode } from './error-catalogue.js';

export interface AirlockErrorOptions {
  /** Structured, non-secret details a client or operator may act on (never a token or credential). */
  readonly data?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * The one local error type. `message` says what happened and what to do next; `code` is stable
 * and greppable; the catalogue maps it to HTTP, JSON-RPC and gRPC.
 */
export class AirlockError extends Error {
  override readonly name = 'AirlockError';
  readonly code: AirlockErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: AirlockErrorCode, message: string, options: AirlockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
  }

  get httpStatus(): number {
    return errorCatalogue[this.code].httpStatus;
  }

  get jsonRpcCode(): number {
    return errorCatalogue[this.code].jsonRpcCode;
  }

  get grpcStatus(): number {
    return errorCatalogue[this.code].grpcStatus;
  }

  /** The JSON-RPC `error` member for this error; `data.airlock` carries the code for programs. */
  toJsonRpcError(): { code: number; message: string; data: Record<string, unknown> } {
    return { code: this.jsonRpcCode, message: this.message, data: { airlockCode: this.code, ...this.data } };
  }

  static is(value: unknown, code?: AirlockErrorCode): value is AirlockError {
    return value instanceof AirlockError && (code === undefined || value.code === code);
  }

  /** Wraps anything thrown into an AirlockError, keeping AirlockErrors as they are. */
  static from(value: unknown, fallback: AirlockErrorCode = 'internal'): AirlockError {
    if (value instanceof AirlockError) return value;
    const message = value instanceof Error ? value.message : String(value);
    return new AirlockError(fallback, message, { cause: value });
  }

  /** Rebuilds an error that crossed a process boundary as `{ code, message }`. */
  static fromWire(code: string, message: string, data?: Record<string, unknown>): AirlockError {
    return new AirlockError(isAirlockErrorCode(code) ? code : 'internal', message, data ? { data } : {});
  }
}
