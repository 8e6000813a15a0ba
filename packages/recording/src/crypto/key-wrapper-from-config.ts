import type { RecordingConfig } from '@airlock/core';
import type { KeyWrapper } from './key-wrapper.js';
import { LocalKeyFileWrapper } from './local-key-file-wrapper.js';

/**
 * The key wrapper `recording.encryption` asks for, or undefined when messages are kept in clear.
 * A key file is read (and its mode checked) now, so a bad one fails startup; a KMS key is only
 * reached on the first session, so KMS being down delays delivery instead of refusing to start.
 */
export async function keyWrapperFromConfig(
  encryption: RecordingConfig['encryption'],
): Promise<KeyWrapper | undefined> {
  if (encryption === undefined) return undefined;
  if (encryption.keyFile !== undefined) return LocalKeyFileWrapper.open(encryption.keyFile);
  if (encryption.kmsKeyId !== undefined) {
    // Loaded only here: a role without a KMS key never holds the AWS SDK's KMS client.
    const { KmsKeyWrapper } = await import('./kms-key-wrapper.js');
    return new KmsKeyWrapper({ kmsKeyId: encryption.kmsKeyId, region: encryption.region });
  }
  return undefined;
}
