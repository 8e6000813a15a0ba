import { randomBytes } from 'node:crypto';

/** What the gateway keeps for one signed-in browser. The browser only ever holds `id` (in its cookie). */
export interface ConsoleSession {
  readonly id: string;
  /** Sent back by the console as `x-airlock-csrf` on every state change. */
  readonly csrfToken: string;
  readonly person: ConsolePerson;
  readonly endsAt: number;
  tokens: ConsoleTokens | undefined;
}

export interface ConsolePerson {
  readonly subject: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
}

/** The person's tokens for the gateway (aud = publicUrl); undefined with `auth.mode: none`. */
export interface ConsoleTokens {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
}

/** A sign-in under way: what the callback must match (state) and prove (the PKCE verifier). */
export interface PendingSignIn {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly expiresAt: number;
}

const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

/**
 * Console sessions and sign-ins under way, in this gateway's memory: a restart signs everyone out,
 * and with several gateways behind one load balancer a browser must stick to one (a shared store
 * is later work). Ids are 256 random bits; expired entries are swept as new ones arrive.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly pending = new Map<string, PendingSignIn>();

  beginSignIn(codeVerifier: string, nonce: string, returnTo: string): string {
    this.sweep();
    if (this.pending.size >= MAX_PENDING) {
      // A flood of abandoned sign-ins must not grow memory without bound: the oldest go first.
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    const state = randomBytes(32).toString('base64url');
    this.pending.set(state, { codeVerifier, nonce, returnTo, expiresAt: Date.now() + PENDING_MS });
    return state;
  }

  /** The sign-in `state` names, once: a callback replayed with the same state finds nothing. */
  takeSignIn(state: string): PendingSignIn | undefined {
    const found = this.pending.get(state);
    this.pending.delete(state);
    return found !== undefined && found.expiresAt > Date.now() ? found : undefined;
  }

  create(person: ConsolePerson, tokens: ConsoleTokens | undefined, lifetimeMs: number): ConsoleSession {
    this.sweep();
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      person,
      endsAt: Date.now() + lifetimeMs,
      tokens,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.endsAt <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  end(id: string): ConsoleSession | undefined {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.endsAt <= now) this.sessions.delete(id);
    for (const [state, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(state);
  }
}
