import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { AirlockError } from '@airlock/core';
import { gcmOpen, gcmSeal } from './aes-gcm.js';
import { NONCE_BYTES, TAG_BYTES } from './ciphertext-block.js';
import { cryptoFailure } from './crypto-errors.js';
import { DATA_KEY_BYTES, splitWrapped, type GeneratedDataKey, type KeyWrapper } from './key-wrapper.js';

const KIND = 'local-key-file';
const WRAP_VERSION = 1;
const KEY_ID_BYTES = 8;

/**
 * Wraps data keys with a 32-byte key encryption key kept in a file, for deployments outside AWS.
 *
 * The file holds the key as 64 hex digits or as base64 (a trailing newline is fine) and must not be
 * readable by group or others (mode 0600 or stricter); anything looser is refused at startup,
 * like ssh does for private keys.
 *
 * Wrapped form, after the `local-key-file:` prefix, base64 of:
 * `[u8 version = 1][8 bytes key id][12 bytes nonce][16 bytes tag][32 bytes wrapped data key]`, where
 * the key id is the first 8 bytes of SHA-256 of the key file's key (tells "wrong key file" apart
 * from "tampered") and the AAD is the session id, so a wrapped key only unwraps for its session.
 */
export class LocalKeyFileWrapper implements KeyWrapper {
  readonly kind = KIND;
  readonly #key: Buffer;
  /** Hex of the key id: which key file this is, safe to log. */
  readonly keyId: string;

  private constructor(key: Buffer) {
    this.#key = key;
    this.keyId = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  }

  static async open(path: string): Promise<LocalKeyFileWrapper> {
    let mode: number;
    let text: string;
    try {
      mode = (await stat(path)).mode;
      text = (await readFile(path, 'utf8')).trim();
    } catch (error) {
      throw new AirlockError(
        'config_invalid',
        `Cannot read the recording key file ${path}: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
    if ((mode & 0o077) !== 0) {
      throw new AirlockError(
        'config_invalid',
        `The recording key file ${path} has mode ${(mode & 0o777).toString(8)}; it must be readable by its owner only. Run: chmod 600 ${path}`,
      );
    }
    const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (
      key.length !== DATA_KEY_BYTES ||
      (!/^[0-9a-fA-F]{64}$/.test(text) && !/^[A-Za-z0-9+/]{43}=$/.test(text))
    ) {
      throw new AirlockError(
        'config_invalid',
        `The recording key file ${path} must hold a 32-byte key as 64 hex digits or 44 base64 characters. Create one with: openssl rand -hex 32 > ${path} && chmod 600 ${path}`,
      );
    }
    return new LocalKeyFileWrapper(key);
  }

  /** Writes a new random key file with mode 0600; refuses to overwrite an existing file. */
  static async createKeyFile(path: string): Promise<void> {
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(`${randomBytes(DATA_KEY_BYTES).toString('hex')}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async generate(sessionId: string): Promise<GeneratedDataKey> {
    const dataKey = randomBytes(DATA_KEY_BYTES);
    const sealed = gcmSeal(this.#key, dataKey, Buffer.from(sessionId, 'utf8'));
    const blob = Buffer.concat([
      Buffer.from([WRAP_VERSION]),
      Buffer.from(this.keyId, 'hex'),
      sealed.nonce,
      sealed.tag,
      sealed.ciphertext,
    ]);
    return { dataKey, wrapped: `${KIND}:${blob.toString('base64')}` };
  }

  async unwrap(wrapped: string, sessionId: string): Promise<Buffer> {
    const { kind, blob } = splitWrapped(wrapped);
    if (kind !== KIND) {
      throw cryptoFailure(
        'wrong_key',
        `The data key of session ${sessionId} was wrapped by "${kind || 'unknown'}", but recording encryption is configured with a local key file; configure the key that wrapped it.`,
        { sessionId },
      );
    }
    const expected = 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES + DATA_KEY_BYTES;
    if (blob.length !== expected || blob[0] !== WRAP_VERSION) {
      throw cryptoFailure('tampered', `The wrapped data key of session ${sessionId} is malformed.`, {
        sessionId,
      });
    }
    const keyId = blob.subarray(1, 1 + KEY_ID_BYTES).toString('hex');
    if (keyId !== this.keyId) {
      throw cryptoFailure(
        'wrong_key',
        `The data key of session ${sessionId} was wrapped by key file ${keyId}, but the configured key file is ${this.keyId}; configure the key file that wrapped it.`,
        { sessionId, keyId },
      );
    }
    const nonceStart = 1 + KEY_ID_BYTES;
    try {
      return gcmOpen(
        this.#key,
        {
          nonce: blob.subarray(nonceStart, nonceStart + NONCE_BYTES),
          tag: blob.subarray(nonceStart + NONCE_BYTES, nonceStart + NONCE_BYTES + TAG_BYTES),
          ciphertext: blob.subarray(nonceStart + NONCE_BYTES + TAG_BYTES),
        },
        Buffer.from(sessionId, 'utf8'),
      );
    } catch (error) {
      throw cryptoFailure(
        'tampered',
        `The wrapped data key of session ${sessionId} failed authentication: it was altered or belongs to another session.`,
        { sessionId },
        error,
      );
    }
  }
}
