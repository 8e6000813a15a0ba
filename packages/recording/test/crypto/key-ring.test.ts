import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoFailureReason,
  decodeCiphertextBlock,
  KmsKeyWrapper,
  LocalKeyFileWrapper,
  SessionKeyRing,
  type KeyWrapper,
} from '../../src/index.js';
import { FakeKms } from './fake-kms.js';

let dir: string;
let keyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-crypto-'));
  keyFile = join(dir, 'recording.key');
  await LocalKeyFileWrapper.createKeyFile(keyFile);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectFailure(promise: Promise<unknown>, reason: string, text: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a failure').toBeInstanceOf(Error);
  expect(cryptoFailureReason(error)).toBe(reason);
  expect((error as Error).message).toMatch(text);
}

describe('LocalKeyFileWrapper', () => {
  it('refuses a key file readable by group or others', async () => {
    const loose = join(dir, 'loose.key');
    await writeFile(loose, `${'ab'.repeat(32)}\n`);
    await chmod(loose, 0o644);
    await expect(LocalKeyFileWrapper.open(loose)).rejects.toThrow(/mode 644.*chmod 600/);
    await chmod(loose, 0o600);
    await expect(LocalKeyFileWrapper.open(loose)).resolves.toBeInstanceOf(LocalKeyFileWrapper);
  });

  it('refuses a key file that does not hold 32 bytes', async () => {
    const short = join(dir, 'short.key');
    await writeFile(short, 'abcd\n', { mode: 0o600 });
    await expect(LocalKeyFileWrapper.open(short)).rejects.toThrow(/32-byte key/);
  });

  it('tells a wrong key file apart from a tampered wrapped key', async () => {
    const wrapper = await LocalKeyFileWrapper.open(keyFile);
    const other = join(dir, 'other.key');
    await LocalKeyFileWrapper.createKeyFile(other);
    const otherWrapper = await LocalKeyFileWrapper.open(other);
    const { wrapped } = await wrapper.generate('s1');
    await expectFailure(otherWrapper.unwrap(wrapped, 's1'), 'wrong_key', /configured key file is/);
    await expectFailure(wrapper.unwrap(wrapped, 's2'), 'tampered', /session s2 failed authentication/);
  });
});

const wrappers: Array<[string, () => Promise<KeyWrapper>]> = [
  ['local key file', () => LocalKeyFileWrapper.open(keyFile)],
  [
    'KMS (in-process fake of the KMS API)',
    async () => {
      const kms = new FakeKms();
      kms.addKey('alias/airlock');
      return new KmsKeyWrapper({ kmsKeyId: 'alias/airlock', api: kms });
    },
  ],
];

describe.each(wrappers)('SessionKeyRing with %s', (_name, makeWrapper) => {
  it('round-trips per session with a distinct data key per session', async () => {
    const ring = new SessionKeyRing({ wrapper: await makeWrapper() });
    const a = await ring.seal('session-a', 'e1', '{"secret":"alpha"}');
    const a2 = await ring.seal('session-a', 'e2', '{"secret":"alpha2"}');
    const b = await ring.seal('session-b', 'e1', '{"secret":"beta"}');
    const keyA = decodeCiphertextBlock(a.block, 'a').keyId;
    expect(decodeCiphertextBlock(a2.block, 'a2').keyId).toBe(keyA);
    expect(decodeCiphertextBlock(b.block, 'b').keyId).not.toBe(keyA);
    expect(a.block.includes(Buffer.from('alpha'))).toBe(false);
    // A fresh ring (a restart) reads with the carried wrapped keys.
    const fresh = new SessionKeyRing({ wrapper: await makeWrapper().then(() => ring.wrapper) });
    await expect(fresh.open('session-a', 'e1', a.block, a.wrapped)).resolves.toBe('{"secret":"alpha"}');
    await expect(fresh.open('session-b', 'e1', b.block, b.wrapped)).resolves.toBe('{"secret":"beta"}');
  });

  it('binds ciphertext to its event and session (AAD)', async () => {
    const ring = new SessionKeyRing({ wrapper: await makeWrapper() });
    const e1 = await ring.seal('s', 'event-1', 'one');
    await expectFailure(
      ring.open('s', 'event-2', e1.block, e1.wrapped),
      'tampered',
      /event event-2 \(session s\)/,
    );
    const other = await ring.seal('t', 'event-1', 'x');
    // The right key for session t, but a block sealed in session s: refused.
    const swapped = Buffer.from(e1.block);
    swapped.write(decodeCiphertextBlock(other.block, 'o').keyId, 2, 'ascii');
    await expectFailure(
      ring.open('t', 'event-1', swapped, other.wrapped),
      'tampered',
      /AES-GCM tag mismatch/,
    );
  });

  it('reports a flipped byte as tampering that names the event', async () => {
    const ring = new SessionKeyRing({ wrapper: await makeWrapper() });
    const sealed = await ring.seal('s', 'event-9', 'payload text');
    const flipped = Buffer.from(sealed.block);
    flipped[flipped.length - 1]! ^= 0x01;
    await expectFailure(
      ring.open('s', 'event-9', flipped, sealed.wrapped),
      'tampered',
      /event event-9 \(session s\).*altered/,
    );
  });
});

describe('KmsKeyWrapper', () => {
  it('binds the data key to its session with the EncryptionContext and names the key in Decrypt', async () => {
    const kms = new FakeKms();
    kms.addKey('alias/airlock');
    kms.addKey('alias/other');
    const wrapper = new KmsKeyWrapper({ kmsKeyId: 'alias/airlock', api: kms });
    const { dataKey, wrapped } = await wrapper.generate('session-1');
    expect(kms.calls[0]).toEqual({ op: 'GenerateDataKey', context: { sessionId: 'session-1' } });
    await expect(wrapper.unwrap(wrapped, 'session-1')).resolves.toEqual(dataKey);
    expect(kms.calls[1]).toEqual({ op: 'Decrypt', context: { sessionId: 'session-1' } });
    await expectFailure(wrapper.unwrap(wrapped, 'session-2'), 'tampered', /InvalidCiphertextException/);
    const elsewhere = new KmsKeyWrapper({ kmsKeyId: 'alias/other', api: kms });
    await expectFailure(elsewhere.unwrap(wrapped, 'session-1'), 'wrong_key', /IncorrectKeyException/);
  });

  it('reports KMS outages as retryable, not as tampering', async () => {
    const wrapper = new KmsKeyWrapper({
      kmsKeyId: 'k',
      api: {
        generateDataKey: () =>
          Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' })),
        decrypt: () =>
          Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      },
    });
    await expectFailure(wrapper.generate('s'), 'key_unavailable', /ECONNREFUSED/);
    await expectFailure(wrapper.unwrap('aws-kms:AAAA', 's'), 'key_unavailable', /Rate exceeded/);
  });
});
