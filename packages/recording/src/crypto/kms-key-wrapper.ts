import {
  DecryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  type DecryptCommandInput,
  type DecryptCommandOutput,
  type GenerateDataKeyCommandInput,
  type GenerateDataKeyCommandOutput,
} from '@aws-sdk/client-kms';
import { cryptoFailure } from './crypto-errors.js';
import { DATA_KEY_BYTES, splitWrapped, type GeneratedDataKey, type KeyWrapper } from './key-wrapper.js';

const KIND = 'aws-kms';

/**
 * The two KMS operations the wrapper uses, with the SDK's own request and response types. This is
 * the seam tests replace (there is no KMS emulator to run here); production passes a `KMSClient`
 * through `kmsApiFromClient`.
 */
export interface KmsApi {
  generateDataKey(input: GenerateDataKeyCommandInput): Promise<GenerateDataKeyCommandOutput>;
  decrypt(input: DecryptCommandInput): Promise<DecryptCommandOutput>;
}

export function kmsApiFromClient(client: KMSClient): KmsApi {
  return {
    generateDataKey: (input) => client.send(new GenerateDataKeyCommand(input)),
    decrypt: (input) => client.send(new DecryptCommand(input)),
  };
}

export interface KmsKeyWrapperOptions {
  /** Key id, ARN, alias name (`alias/airlock-recording`) or alias ARN of a symmetric KMS key. */
  readonly kmsKeyId: string;
  /** Region of the key; default from the environment / default provider chain. */
  readonly region?: string | undefined;
  /** Injected KMS API (tests); default a `KMSClient` with the default credential provider chain. */
  readonly api?: KmsApi | undefined;
}

/** KMS errors that mean "this blob will never decrypt here", as opposed to throttling or outages. */
const PERMANENT = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * Data keys from AWS KMS `GenerateDataKey` (AES_256), each bound to its session by the encryption
 * context `{ sessionId }`: KMS refuses to decrypt a wrapped key under any other context, and logs
 * the context in CloudTrail, so every unwrap is attributable to a session. `Decrypt` names the key
 * id too, so a blob is never decrypted under some other key the caller happens to be allowed to use.
 */
export class KmsKeyWrapper implements KeyWrapper {
  readonly kind = KIND;
  readonly #kmsKeyId: string;
  readonly #api: KmsApi;

  constructor(options: KmsKeyWrapperOptions) {
    this.#kmsKeyId = options.kmsKeyId;
    this.#api =
      options.api ??
      kmsApiFromClient(new KMSClient(options.region === undefined ? {} : { region: options.region }));
  }

  async generate(sessionId: string): Promise<GeneratedDataKey> {
    let output: GenerateDataKeyCommandOutput;
    try {
      output = await this.#api.generateDataKey({
        KeyId: this.#kmsKeyId,
        KeySpec: 'AES_256',
        EncryptionContext: { sessionId },
      });
    } catch (error) {
      throw cryptoFailure(
        'key_unavailable',
        `AWS KMS could not generate a data key for session ${sessionId} with key ${this.#kmsKeyId}: ${(error as Error).message}. Check the key id, region and the gateway's kms:GenerateDataKey permission.`,
        { sessionId },
        error,
      );
    }
    if (output.Plaintext?.length !== DATA_KEY_BYTES || !output.CiphertextBlob) {
      throw cryptoFailure(
        'key_unavailable',
        `AWS KMS returned an unusable data key for session ${sessionId}.`,
        {
          sessionId,
        },
      );
    }
    return {
      dataKey: Buffer.from(output.Plaintext),
      wrapped: `${KIND}:${Buffer.from(output.CiphertextBlob).toString('base64')}`,
    };
  }

  async unwrap(wrapped: string, sessionId: string): Promise<Buffer> {
    const { kind, blob } = splitWrapped(wrapped);
    if (kind !== KIND) {
      throw cryptoFailure(
        'wrong_key',
        `The data key of session ${sessionId} was wrapped by "${kind || 'unknown'}", but recording encryption is configured with AWS KMS; configure the key that wrapped it.`,
        { sessionId },
      );
    }
    let output: DecryptCommandOutput;
    try {
      output = await this.#api.decrypt({
        CiphertextBlob: blob,
        KeyId: this.#kmsKeyId,
        EncryptionContext: { sessionId },
      });
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (typeof name === 'string' && PERMANENT.has(name)) {
        throw cryptoFailure(
          name === 'IncorrectKeyException' ? 'wrong_key' : 'tampered',
          `AWS KMS refused to unwrap the data key of session ${sessionId} (${name}): the wrapped key was altered, belongs to another session, or was wrapped by another KMS key.`,
          { sessionId },
          error,
        );
      }
      throw cryptoFailure(
        'key_unavailable',
        `AWS KMS could not unwrap the data key of session ${sessionId}: ${(error as Error).message}. It is retried; check connectivity and the kms:Decrypt permission.`,
        { sessionId },
        error,
      );
    }
    if (output.Plaintext?.length !== DATA_KEY_BYTES) {
      throw cryptoFailure(
        'tampered',
        `AWS KMS returned a data key of the wrong size for session ${sessionId}.`,
        {
          sessionId,
        },
      );
    }
    return Buffer.from(output.Plaintext);
  }
}
