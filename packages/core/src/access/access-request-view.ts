/** A just-in-time access request as the gateway's access API answers it: what `airlock access` and the console show. */
export interface AccessRequestView {
  readonly id: string;
  readonly connection: string;
  readonly requester: { readonly subject: string; readonly email?: string };
  readonly tools: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
  readonly status: string;
  readonly requestedAt: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly decisionReason?: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revokeReason?: string;
}
