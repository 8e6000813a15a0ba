import {
  evaluateConnectionAccess,
  type AccessRules,
  type ActiveGrant,
  type Caller,
  type MessageRecorder,
  type RecordedAccessGrant,
  type RelayContext,
} from '@airlock/core';
import type { Logger } from 'pino';
import type { LegacySession } from '../mcp/legacy-session.js';
import type { GrantBook, GrantEnd } from './grant-book.js';
import { grantEndedError } from './grant-ended-error.js';

/** What the MCP endpoint asks about grants when it opens and tracks legacy sessions. */
export interface SessionGrants {
  /** The grant a new session would exist only because of (the standing rules refuse it), if any. */
  admittingGrant(caller: Caller, connection: string): ActiveGrant | undefined;
  /** Ends `session` when `grant` ends; records that the grant was used. */
  attach(session: LegacySession, grant: ActiveGrant): void;
  /** The session ended (for any reason): forget it. */
  detach(session: LegacySession): void;
  /** Ends now the sessions of every grant past its expiry whose timer has yet to fire. */
  endExpired(): void;
}

export interface GrantSessionsOptions {
  readonly book: GrantBook;
  readonly rules: AccessRules;
  readonly recorder: MessageRecorder;
  readonly logger: Logger;
}

/**
 * Legacy sessions opened only because of a just-in-time grant. Modern-era requests are admitted
 * one by one, so they simply stop being admitted; a legacy session outlives its initialize, so
 * it is ended when its grant expires or is revoked, and its recording says so (`access` events).
 */
export class GrantSessions implements SessionGrants {
  private readonly byGrant = new Map<string, Set<LegacySession>>();
  private readonly grantOf = new WeakMap<LegacySession, string>();

  constructor(private readonly options: GrantSessionsOptions) {
    options.book.onEnded((end) => this.grantEnded(end));
  }

  admittingGrant(caller: Caller, connection: string): ActiveGrant | undefined {
    if (evaluateConnectionAccess(this.options.rules, caller, connection).allowed) return undefined;
    return this.options.book.lookup(caller, connection)[0];
  }

  attach(session: LegacySession, grant: ActiveGrant): void {
    this.record(session.context, {
      grantId: grant.id,
      step: 'used',
      connection: grant.connection,
      ...(grant.tools.length > 0 ? { tools: grant.tools } : {}),
      expiresAt: grant.expiresAt,
    });
    const inForce = this.options.book
      .lookup(session.context.caller, grant.connection)
      .some((g) => g.id === grant.id);
    if (!inForce) {
      // The grant ended while the session was being opened: it ends now, as if it had been attached.
      const now = new Date();
      const why = Date.parse(grant.expiresAt) <= now.getTime() ? 'expired' : 'revoked';
      const requester = session.context.caller.subject;
      this.grantEnded({ grant, requester, why, at: now.toISOString() }, [session]);
      return;
    }
    let sessions = this.byGrant.get(grant.id);
    if (sessions === undefined) {
      sessions = new Set();
      this.byGrant.set(grant.id, sessions);
    }
    sessions.add(session);
    this.grantOf.set(session, grant.id);
  }

  endExpired(): void {
    this.options.book.endExpired();
  }

  detach(session: LegacySession): void {
    const id = this.grantOf.get(session);
    if (id === undefined) return;
    this.grantOf.delete(session);
    const sessions = this.byGrant.get(id);
    sessions?.delete(session);
    if (sessions?.size === 0) this.byGrant.delete(id);
  }

  private grantEnded(end: GrantEnd, only?: readonly LegacySession[]): void {
    const sessions = only ?? this.byGrant.get(end.grant.id);
    if (only === undefined) this.byGrant.delete(end.grant.id);
    if (sessions === undefined) return;
    const error = grantEndedError(end);
    for (const session of [...sessions]) {
      this.record(session.context, {
        grantId: end.grant.id,
        step: 'ended',
        connection: end.grant.connection,
        reason: end.why === 'revoked' ? `revoked${end.reason ? `: ${end.reason}` : ''}` : 'expired',
        ...(end.by ? { by: end.by } : {}),
        expiresAt: end.grant.expiresAt,
      });
      this.options.logger.info(
        { sessionId: session.id, grantId: end.grant.id, why: end.why },
        'session ended with its just-in-time grant',
      );
      session.terminate(error, end.why);
    }
  }

  private record(context: RelayContext, access: RecordedAccessGrant): void {
    try {
      const written = this.options.recorder.recordAccess?.(context, access, Date.now());
      if (written instanceof Promise)
        written.catch((error: unknown) =>
          this.options.logger.warn(
            { err: error, sessionId: context.sessionId },
            'Recording an access event failed',
          ),
        );
    } catch (error) {
      this.options.logger.warn(
        { err: error, sessionId: context.sessionId },
        'Recording an access event failed',
      );
    }
  }
}
