/**
 * What a console sign-in record is: a signed-in browser (`session`) or a sign-in under way at the
 * identity provider (`sign_in`, keyed by its OAuth `state`).
 */
export type ConsoleRecordKind = 'session' | 'sign_in';

/**
 * Console sign-in records in the shared store, so a gateway restart keeps people signed in and any
 * gateway behind the load balancer serves any browser (no sticky sessions). The store only ever
 * sees `key` (a hash of the secret the browser holds) and `sealed` (the record encrypted with a key
 * derived from that secret): a copy of the table signs nobody in and reveals no token.
 */
export interface ConsoleSessionStore {
  /** Creates or replaces a record; also deletes expired ones. */
  saveConsoleRecord(kind: ConsoleRecordKind, key: string, sealed: string, expiresAt: Date): Promise<void>;
  /** The sealed record, unless unknown or expired. */
  loadConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined>;
  /** Deletes the record and returns it (unless it had expired): a sign-in `state` is used once. */
  takeConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined>;
}

/** Sign-ins under way kept at most (the oldest go first): a flood of abandoned logins stays bounded. */
export const MAX_PENDING_SIGN_INS = 10_000;
