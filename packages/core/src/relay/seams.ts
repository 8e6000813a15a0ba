import type { ApprovalConfig } from '../config/approval-schema.js';
import type { AirlockError } from '../errors/airlock-error.js';
import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { Caller } from './caller.js';
import type {
  MaskingFinding,
  RecordedAccessGrant,
  RecordedApproval,
  RecordedAwsCredentials,
  RecordedDecision,
  ToolChange,
} from '../recording/recording-event.js';
import type { Direction, RelayContext, SessionOpenRequest } from './relay-context.js';

/**
 * The four places later work plugs into the data path. Each has a pass-through default so the
 * relay works without them; each may answer synchronously to keep the hot path free of promises.
 */
type MaybePromise<T> = T | Promise<T>;

/** Identity: who is calling. Runs on the gateway for every HTTP request, before anything else. */
export interface IdentityResolver {
  /** `authorization` is the raw header value; implementations must never log or keep it. */
  resolve(request: {
    readonly authorization: string | undefined;
    readonly connection: string;
  }): MaybePromise<Caller>;
}

/**
 * A request a guardrail holds for a person's approval (action `approve`): the gateway keeps the
 * client's request open and forwards it only once approvers have decided for it.
 */
export interface HoldRequest {
  /** The rule that held it (`<pack>/<name>` for a pack's rule). */
  readonly rule: string;
  /** The rule's message, shown to approvers and to the client while it waits. */
  readonly message: string | undefined;
  /** Groups whose members may decide. */
  readonly approvers: readonly string[];
  readonly approval: ApprovalConfig;
}

/** `detail` is what the recording keeps of the decision (rule, reason, guardrail matches). */
export type PolicyDecision =
  | {
      readonly action: 'pass';
      readonly message: JsonRpcMessage;
      readonly detail?: RecordedDecision | undefined;
    }
  | { readonly action: 'deny'; readonly error: AirlockError; readonly detail?: RecordedDecision | undefined }
  | {
      readonly action: 'hold';
      /** The request as it will be forwarded once approved. */
      readonly message: JsonRpcMessage;
      readonly hold: HoldRequest;
      readonly detail?: RecordedDecision | undefined;
    };

/** What the gateway knows about a message beyond its body. */
export interface PolicyMessageInfo {
  /** For a server's response: the method of the client request it answers (e.g. `tools/list`). */
  readonly requestMethod?: string | undefined;
  /** For a server message: what the agent masked in it (recorded with the gateway's event too). */
  readonly masking?: readonly MaskingFinding[] | undefined;
}

/**
 * Policy: may this message pass, and in what form (e.g. a filtered `tools/list`). Runs on the
 * gateway, on the parsed body, in both directions. Decides from the body, never from headers.
 */
export interface MessagePolicy {
  evaluate(
    context: RelayContext,
    message: JsonRpcMessage,
    direction: Direction,
    info?: PolicyMessageInfo,
  ): MaybePromise<PolicyDecision>;
  /**
   * May this caller use this connection at all. Asked for every HTTP request before a session or
   * exchange is opened, so a refused person never causes an upstream session (or a server spawn).
   */
  admit?(caller: Caller, connection: string): AirlockError | undefined;
}

/** What a recorder is told about one message. */
export interface RecordedMessage {
  readonly source: 'gateway' | 'agent';
  readonly direction: Direction;
  readonly message: JsonRpcMessage;
  readonly decision?: PolicyDecision['action'];
  readonly at: number;
  /** What masking changed (types, counts, paths; never the values). */
  readonly masking?: readonly MaskingFinding[] | undefined;
  /** The decision with its rule and reason; `decision` alone records only the action. */
  readonly decisionDetail?: RecordedDecision | undefined;
}

/**
 * Recording: every message in and out. Throwing refuses the message (strict mode fails closed).
 * Both gateway and agent record; each sees the message as it passed that point.
 */
export interface MessageRecorder {
  record(context: RelayContext, entry: RecordedMessage): MaybePromise<void>;
  /** The session is over (DELETE, agent gone, upstream crashed). */
  end(context: RelayContext, reason: string): MaybePromise<void>;
  /** A tool definition appeared or changed on the session's connection (tool pinning). */
  recordToolChange?(context: RelayContext, change: ToolChange, at: number): MaybePromise<void>;
  /** A step of a held call's approval, in the session's chain. */
  recordApproval?(context: RelayContext, approval: RecordedApproval, at: number): MaybePromise<void>;
  /** A step of a just-in-time access grant, in the chain of `context.sessionId`. */
  recordAccess?(context: RelayContext, access: RecordedAccessGrant, at: number): MaybePromise<void>;
  /** The IAM role (and attribution) the agent assumed for the session's person. */
  recordAwsCredentials?(
    context: RelayContext,
    credentials: RecordedAwsCredentials,
    at: number,
  ): MaybePromise<void>;
}

/** A server→client message after masking, with what was masked (types, paths, counts; never values). */
export interface MaskedMessage {
  readonly message: JsonRpcMessage;
  readonly findings: readonly MaskingFinding[];
}

/** Masking: rewrite a server→client message in the agent, before it leaves the subnet. */
export interface ResponseMasker {
  mask(context: SessionOpenRequest, message: JsonRpcMessage): MaybePromise<MaskedMessage>;
}

export const allowAllPolicy: MessagePolicy = Object.freeze({
  evaluate: (_context: RelayContext, message: JsonRpcMessage) => ({ action: 'pass' as const, message }),
});

export const noRecording: MessageRecorder = Object.freeze({
  record: () => undefined,
  end: () => undefined,
});

export const noMasking: ResponseMasker = Object.freeze({
  mask: (_context: SessionOpenRequest, message: JsonRpcMessage) => ({ message, findings: [] }),
});
