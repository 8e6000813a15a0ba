import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type {
  DecryptCommandInput,
  DecryptCommandOutput,
  GenerateDataKeyCommandInput,
  GenerateDataKeyCommandOutput,
} from '@aws-sdk/client-kms';
import type { KmsApi } from '../../src/index.js';

class KmsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * An in-process stand-in for the two AWS KMS operations the wrapper uses (no KMS emulator is
 * runnable here, and tests never call AWS). It behaves like KMS where the wrapper depends on it:
 * real AES-256-GCM under a per-key master key, the encryption context as AAD (a different context
 * fails with InvalidCiphertextException), IncorrectKeyException when Decrypt names another key.
 */
export class FakeKms implements KmsApi {
  readonly calls: Array<{ op: string; context: Record<string, string> | undefined }> = [];
  readonly #masters = new Map<string, Buffer>();

  addKey(keyId: string): void {
    this.#masters.set(keyId, randomBytes(32));
  }

  async generateDataKey(input: GenerateDataKeyCommandInput): Promise<GenerateDataKeyCommandOutput> {
    this.calls.push({ op: 'GenerateDataKey', context: input.EncryptionContext });
    const master = this.#master(input.KeyId);
    if (input.KeySpec !== 'AES_256') throw new KmsError('ValidationException', 'KeySpec');
    const plaintext = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, nonce);
    cipher.setAAD(contextAad(input.EncryptionContext));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const keyId = Buffer.from(input.KeyId ?? '', 'utf8');
    const blob = Buffer.concat([Buffer.from([keyId.length]), keyId, nonce, cipher.getAuthTag(), ct]);
    return { Plaintext: plaintext, CiphertextBlob: blob, KeyId: input.KeyId, $metadata: {} };
  }

  async decrypt(input: DecryptCommandInput): Promise<DecryptCommandOutput> {
    this.calls.push({ op: 'Decrypt', context: input.EncryptionContext });
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    const idLength = blob[0] ?? 0;
    const blobKeyId = blob.subarray(1, 1 + idLength).toString('utf8');
    if (input.KeyId !== undefined && input.KeyId !== blobKeyId) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the key that encrypted it.',
      );
    }
    const master = this.#master(blobKeyId);
    const nonce = blob.subarray(1 + idLength, 13 + idLength);
    const tag = blob.subarray(13 + idLength, 29 + idLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, nonce);
      decipher.setAAD(contextAad(input.EncryptionContext));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(blob.subarray(29 + idLength)), decipher.final()]);
      return { Plaintext: plaintext, KeyId: blobKeyId, $metadata: {} };
    } catch {
      throw new KmsError('InvalidCiphertextException', '');
    }
  }

  #master(keyId: string | undefined): Buffer {
    const master = this.#masters.get(keyId ?? '');
    if (!master) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    return master;
  }
}

function contextAad(context: Record<string, string> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}
