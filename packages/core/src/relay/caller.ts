/**
 * Who is calling, as the gateway established it. Carries identity only: never the token that
 * proved it, so it is safe to log, record and send to the agent.
 */
export interface Caller {
  readonly subject: string;
  readonly email?: string | undefined;
  readonly groups: readonly string[];
  /** The token's `jti` (or a digest), to correlate without holding the token. */
  readonly tokenId?: string | undefined;
  readonly anonymous: boolean;
}

/** The caller of dev mode without identity: only allowed when the gateway listens on loopback. */
export const ANONYMOUS_CALLER: Caller = Object.freeze({ subject: 'anonymous', groups: [], anonymous: true });
