import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal } from './aes-gcm.js';
import { BoundedCache } from './bounded-cache.js';
import { decodeCiphertextBlock, encodeCiphertextBlock } from './ciphertext-block.js';
import { cryptoFailure, cryptoFailureReason } from './crypto-errors.js';
import { eventAad } from './event-aad.js';
import type { KeyWrapper } from './key-wrapper.js';

/** A session's data key as persisted: never the plaintext key. */
export interface StoredSessionKey {
  readonly sessionId: string;
  /** Random id of the data key; every ciphertext block names it. */
  readonly keyId: string;
  /** The wrapper's output (`<wrapper kind>:<base64>`). */
  readonly wrapped: string;
}

/** Where wrapped session keys persist (the store's `recording_session_keys` table). */
export interface SessionKeyStore {
  loadSessionKey(sessionId: string): Promise<StoredSessionKey | undefined>;
  /** Saves `key` unless the session already has one; returns the session's key either way. */
  saveSessionKeyIfAbsent(key: StoredSessionKey): Promise<StoredSessionKey>;
}

export interface SessionKeyRingOptions {
  readonly wrapper: KeyWrapper;
  /** Without one, keys live only in memory and callers carry the wrapped key (the spool does). */
  readonly keys?: SessionKeyStore | undefined;
  /** Unwrapped keys kept in memory, least recently used evicted (default 10 000). */
  readonly maxCachedKeys?: number | undefined;
}

interface ActiveKey extends StoredSessionKey {
  readonly key: Buffer;
}

export interface SealedValue {
  /** The ciphertext block (see ciphertext-block.ts). */
  readonly block: Buffer;
  /** The wrapped data key that opens it. */
  readonly wrapped: string;
}

/**
 * One AES-256-GCM data key per session, generated on the session's first write, wrapped by the
 * configured `KeyWrapper` and persisted (when a key store is given) before anything it sealed
 * can be written. Unwrapped keys are cached (bounded), so KMS sees one call per session and
 * process, not one per event. Concurrent first writes of a session share one key: the cache holds
 * the pending promise, and the key store keeps whichever key was saved first (several gateways).
 */
export class SessionKeyRing {
  readonly wrapper: KeyWrapper;
  readonly #keys: SessionKeyStore | undefined;
  readonly #writing: BoundedCache<string, Promise<ActiveKey>>;
  readonly #reading: BoundedCache<string, Promise<Buffer>>;

  constructor(options: SessionKeyRingOptions) {
    this.wrapper = options.wrapper;
    this.#keys = options.keys;
    const max = options.maxCachedKeys ?? 10_000;
    this.#writing = new BoundedCache(max);
    this.#reading = new BoundedCache(max);
  }

  /** Encrypts `plaintext` (text, or UTF-8 bytes) as the value of event `eventId` of session `sessionId`. */
  async seal(sessionId: string, eventId: string, plaintext: string | Buffer): Promise<SealedValue> {
    const active = await this.#keyForWriting(sessionId);
    const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const sealed = gcmSeal(active.key, bytes, eventAad(eventId, sessionId));
    return { block: encodeCiphertextBlock({ keyId: active.keyId, ...sealed }), wrapped: active.wrapped };
  }

  /**
   * Decrypts a block sealed by `seal` for the same event and session. `wrapped` is the data key
   * carried with the value; without it the key store is asked. Every failure names the event.
   */
  async open(sessionId: string, eventId: string, block: Buffer, wrapped?: string): Promise<string> {
    const what = `The encrypted recording of event ${eventId} (session ${sessionId})`;
    try {
      const parsed = decodeCiphertextBlock(block, what);
      const key = await this.#keyForReading(sessionId, parsed.keyId, wrapped);
      try {
        return gcmOpen(key, parsed, eventAad(eventId, sessionId)).toString('utf8');
      } catch (error) {
        throw cryptoFailure(
          'tampered',
          `${what} failed authentication (AES-GCM tag mismatch): it was altered, or copied from another event or session. Treat the record as tampered.`,
          { eventId, sessionId },
          error,
        );
      }
    } catch (error) {
      const reason = cryptoFailureReason(error);
      if (
        reason === undefined ||
        (error as { data?: Record<string, unknown> }).data?.['eventId'] !== undefined
      )
        throw error;
      throw cryptoFailure(
        reason,
        `${what} cannot be read: ${(error as Error).message}`,
        { eventId, sessionId },
        error,
      );
    }
  }

  /** Drops the session's keys from memory (after its wrapped key was deleted: crypto-shredding). */
  forget(sessionId: string): void {
    this.#writing.delete(sessionId);
    this.#reading.deleteWhere((cacheKey) => cacheKey.startsWith(`${sessionId}\0`));
  }

  #keyForWriting(sessionId: string): Promise<ActiveKey> {
    // Every write of a session awaits the same promise, so their continuations keep call order.
    let pending = this.#writing.get(sessionId);
    if (!pending) {
      pending = this.#createOrLoad(sessionId);
      this.#writing.set(sessionId, pending);
      pending.catch(() => this.#writing.delete(sessionId));
    }
    return pending;
  }

  async #createOrLoad(sessionId: string): Promise<ActiveKey> {
    const existing = await this.#keys?.loadSessionKey(sessionId);
    if (existing) return { ...existing, key: await this.#unwrap(existing) };
    const generated = await this.wrapper.generate(sessionId);
    const mine: StoredSessionKey = {
      sessionId,
      keyId: randomBytes(12).toString('base64url'),
      wrapped: generated.wrapped,
    };
    const winner = this.#keys ? await this.#keys.saveSessionKeyIfAbsent(mine) : mine;
    const key = winner.keyId === mine.keyId ? generated.dataKey : await this.#unwrap(winner);
    this.#reading.set(`${sessionId}\0${winner.keyId}`, Promise.resolve(key));
    return { ...winner, key };
  }

  #keyForReading(sessionId: string, keyId: string, wrapped: string | undefined): Promise<Buffer> {
    const cacheKey = `${sessionId}\0${keyId}`;
    let pending = this.#reading.get(cacheKey);
    if (!pending) {
      pending = this.#loadForReading(sessionId, keyId, wrapped);
      this.#reading.set(cacheKey, pending);
      pending.catch(() => this.#reading.delete(cacheKey));
    }
    return pending;
  }

  async #loadForReading(sessionId: string, keyId: string, wrapped: string | undefined): Promise<Buffer> {
    if (wrapped !== undefined) return this.#unwrap({ sessionId, keyId, wrapped });
    const stored = await this.#keys?.loadSessionKey(sessionId);
    if (!stored || stored.keyId !== keyId) {
      throw cryptoFailure(
        'key_missing',
        `its data key ${keyId} is not in the key store: the session's key was deleted (crypto-shredded), so its messages can no longer be decrypted.`,
        { sessionId, keyId },
      );
    }
    return this.#unwrap(stored);
  }

  #unwrap(stored: StoredSessionKey): Promise<Buffer> {
    return this.wrapper.unwrap(stored.wrapped, stored.sessionId);
  }
}
