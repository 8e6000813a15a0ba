import { randomBytes } from 'node:crypto';
import type { ConsoleSessionStore } from '@airlock/recording';
import { consoleRecordKey, openConsoleRecord, sealConsoleRecord } from './console-record-seal.js';

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

/** What a session's sealed record holds: everything but its id (the secret that opens it). */
type SessionRecord = Omit<ConsoleSession, 'id'>;

/**
 * Console sessions and sign-ins under way, as sealed records in a ConsoleSessionStore: the
 * recording store when the gateway has one (shared by every gateway on it, kept across restarts),
 * else this gateway's memory. Ids and states are 256 random bits; the store holds only their
 * hashes and records sealed with keys derived from them (see console-record-seal.ts). Nothing is
 * cached here: a sign-out on one gateway ends the session on all of them at once.
 */
export class ConsoleSessions {
  constructor(private readonly store: ConsoleSessionStore) {}

  async beginSignIn(codeVerifier: string, nonce: string, returnTo: string): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const pending: PendingSignIn = { codeVerifier, nonce, returnTo, expiresAt: Date.now() + PENDING_MS };
    await this.store.saveConsoleRecord(
      'sign_in',
      consoleRecordKey(state),
      sealConsoleRecord('sign_in', state, pending),
      new Date(pending.expiresAt),
    );
    return state;
  }

  /** The sign-in `state` names, once: a callback replayed with the same state finds nothing. */
  async takeSignIn(state: string): Promise<PendingSignIn | undefined> {
    if (state === '') return undefined;
    const sealed = await this.store.takeConsoleRecord('sign_in', consoleRecordKey(state));
    const found =
      sealed === undefined ? undefined : openConsoleRecord<PendingSignIn>('sign_in', state, sealed);
    return found !== undefined && found.expiresAt > Date.now() ? found : undefined;
  }

  async create(
    person: ConsolePerson,
    tokens: ConsoleTokens | undefined,
    lifetimeMs: number,
  ): Promise<ConsoleSession> {
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      person,
      endsAt: Date.now() + lifetimeMs,
      tokens,
    };
    await this.save(session);
    return session;
  }

  /** Stores the session as it is now (after a token refresh, say). */
  async save(session: ConsoleSession): Promise<void> {
    const { id, ...record } = session;
    await this.store.saveConsoleRecord(
      'session',
      consoleRecordKey(id),
      sealConsoleRecord('session', id, record),
      new Date(session.endsAt),
    );
  }

  async get(id: string | undefined): Promise<ConsoleSession | undefined> {
    if (id === undefined || id === '') return undefined;
    const sealed = await this.store.loadConsoleRecord('session', consoleRecordKey(id));
    const record = sealed === undefined ? undefined : openConsoleRecord<SessionRecord>('session', id, sealed);
    if (record === undefined || record.endsAt <= Date.now()) return undefined;
    return { ...record, id };
  }

  async end(id: string): Promise<void> {
    await this.store.takeConsoleRecord('session', consoleRecordKey(id));
  }
}
