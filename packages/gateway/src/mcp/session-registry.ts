import { AirlockError } from '@airlock/core';
import type { LegacySession } from './legacy-session.js';

/** How many ended sessions are remembered, so a late request hears why rather than "unknown". */
const TOMBSTONE_LIMIT = 10_000;

/**
 * The gateway's legacy sessions by id. Ids are the gateway's own (unguessable; never the upstream's).
 * Idle sessions are closed after `idleMs`.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, LegacySession>();
  /** Why an ended session ended, and whose it was (only its owner may hear the reason). */
  private readonly tombstones = new Map<
    string,
    { readonly reason: string; readonly subject: string; readonly grantEnded?: AirlockError | undefined }
  >();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  add(session: LegacySession): void {
    this.sessions.set(session.id, session);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * The live session with this id on this connection, created by `subject`, or a 404 that says
   * what happened. Another person's session is "unknown", word for word: a stolen or guessed
   * session id must not even confirm that the session exists.
   */
  find(id: string, connection: string, subject: string): LegacySession {
    const session = this.sessions.get(id);
    if (
      session &&
      !session.isEnded &&
      session.context.connection === connection &&
      session.context.caller.subject === subject
    )
      return session;
    const grantEnded = this.endedByGrant(id, subject);
    if (grantEnded !== undefined) throw grantEnded;
    const tombstone = this.tombstones.get(id);
    const reason = tombstone?.subject === subject ? tombstone.reason : undefined;
    throw new AirlockError(
      'session_not_found',
      reason
        ? `Session ${id} has ended (${reason}). Start a new session: send initialize without Mcp-Session-Id.`
        : `Unknown session ${id} for connection "${connection}"; it may have expired or belong to another connection. Start a new session: send initialize without Mcp-Session-Id.`,
    );
  }

  /**
   * Why this subject's session ended, when it ended with its just-in-time grant: a later request
   * on it hears the grant's end (access_grant_ended), not a bare refusal.
   */
  endedByGrant(id: string, subject: string): AirlockError | undefined {
    const tombstone = this.tombstones.get(id);
    return tombstone?.subject === subject ? tombstone.grantEnded : undefined;
  }

  /** `ended` is the error the session ended with, if any. */
  remove(session: LegacySession, reason: string, ended?: AirlockError): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    if (this.tombstones.size >= TOMBSTONE_LIMIT) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
    this.tombstones.set(session.id, {
      reason,
      subject: session.context.caller.subject,
      ...(ended?.code === 'access_grant_ended' ? { grantEnded: ended } : {}),
    });
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const session of this.sessions.values()) {
      // A session waiting on a held call is not idle: its client is waiting for a person.
      if (session.lastActivity < cutoff && !session.isHolding) {
        session.terminate(
          new AirlockError(
            'session_not_found',
            `session ${session.id} was idle for longer than ${this.idleMs / 1000} s`,
          ),
          'expired',
        );
      }
    }
  }

  closeAll(reason: AirlockError): void {
    clearInterval(this.sweeper);
    for (const session of [...this.sessions.values()]) session.terminate(reason, 'gateway_shutdown');
  }
}
