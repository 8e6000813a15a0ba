import { AirlockError, mayDecide, mayRequest, type Caller, type JitRules } from '@airlock/core';
import type { AccessGrant } from '@airlock/recording';

/** Who is asking the access API, and whether they see everyone's requests (auditors, dev). */
export interface AccessApiCaller {
  readonly caller: Caller;
  readonly seesAll: boolean;
}

const groupsOf = (groups: ReadonlySet<string>): string => [...groups].join(', ');

/**
 * Who may do what with just-in-time access requests: the requester sees and revokes their own;
 * approvers of the connection's JIT rule see, decide and revoke its requests (never their own);
 * auditors see everything. What a caller may not see answers like an unknown id.
 */
export class GrantAuthority {
  constructor(private readonly jit: JitRules) {}

  maySee(who: AccessApiCaller, grant: AccessGrant): boolean {
    if (who.seesAll || grant.requester.subject === who.caller.subject) return true;
    const rule = this.jit.ruleFor(grant.connection);
    return rule !== undefined && mayDecide(rule, who.caller);
  }

  /** The connection's JIT rule if `caller` may ask for it; otherwise why not. */
  checkRequest(caller: Caller, connection: string, durationSeconds: number, maxText: (s: number) => string) {
    const rule = this.jit.ruleFor(connection);
    if (rule === undefined) {
      throw new AirlockError(
        'access_request_invalid',
        `Connection "${connection}" has no just-in-time access (no gateway.access.jit entry names it), so access to it cannot be requested. Check the connection name, or ask an operator for standing access.`,
        { data: { connection } },
      );
    }
    if (!mayRequest(rule, caller)) {
      throw new AirlockError(
        'access_denied',
        `${caller.subject} may not request access to "${connection}": requests are open to the groups ${groupsOf(rule.requesters)} (your groups: ${caller.groups.join(', ') || 'none'}). Ask an operator.`,
        { data: { connection } },
      );
    }
    if (durationSeconds > rule.maxDurationSeconds) {
      throw new AirlockError(
        'access_request_invalid',
        `A grant for "${connection}" lasts at most ${maxText(rule.maxDurationSeconds)}; ${maxText(durationSeconds)} was asked. Ask for ${maxText(rule.maxDurationSeconds)} or less (--duration).`,
        { data: { connection, maxDurationSeconds: rule.maxDurationSeconds } },
      );
    }
    return rule;
  }

  /** Grant or deny: an approver of the connection, and not the requester. */
  checkDecide(who: AccessApiCaller, grant: AccessGrant, step: 'grant' | 'deny'): void {
    if (grant.requester.subject === who.caller.subject) {
      throw new AirlockError(
        'approval_forbidden',
        `You asked for access request ${grant.id} yourself, so you cannot ${step} it: another approver of "${grant.connection}" decides.`,
        { data: { grantId: grant.id } },
      );
    }
    this.checkApprover(who.caller, grant, step);
  }

  /** Revoke: an approver of the connection, or the requester giving their access back. */
  checkRevoke(who: AccessApiCaller, grant: AccessGrant): void {
    if (grant.requester.subject === who.caller.subject) return;
    this.checkApprover(who.caller, grant, 'revoke');
  }

  private checkApprover(caller: Caller, grant: AccessGrant, step: string): void {
    const rule = this.jit.ruleFor(grant.connection);
    if (rule !== undefined && mayDecide(rule, caller)) return;
    throw new AirlockError(
      'approval_forbidden',
      rule === undefined
        ? `Connection "${grant.connection}" no longer has just-in-time access configured, so nobody may ${step} request ${grant.id}.`
        : `Only approvers of "${grant.connection}" (groups: ${groupsOf(rule.approvers)}) may ${step} access request ${grant.id}; your groups: ${caller.groups.join(', ') || 'none'}.`,
      { data: { grantId: grant.id } },
    );
  }
}
