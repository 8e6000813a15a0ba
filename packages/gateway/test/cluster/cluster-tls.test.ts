import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '@airlock/core';
import { createCertificateAuthority, type CertificateAuthority } from '@airlock/tunnel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterTls } from '../../src/cluster/cluster-tls.js';

let dir: string;
let ca: CertificateAuthority;
let other: CertificateAuthority;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-cluster-tls-unit-'));
  ca = await createCertificateAuthority('cluster CA');
  other = await createCertificateAuthority('other CA');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function refusal(fn: () => unknown): AirlockError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('config_invalid');
    return error as AirlockError;
  }
  throw new Error('expected readClusterTls to refuse');
}

describe('reading gateway.cluster.tls', () => {
  it('loads a certificate signed by the CA, taking every CA of a bundle written without newlines', async () => {
    const pair = await ca.issue(['10.0.1.15']);
    const material = readClusterTls({
      certFile: write('ok.crt', pair.cert),
      keyFile: write('ok.key', pair.key),
      caFile: write('bundle.pem', other.cert.trim() + ca.cert.trim()),
    });
    expect(material.ca.toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('names the missing file and says what to do', () => {
    const pair = {
      certFile: join(dir, 'missing.crt'),
      keyFile: join(dir, 'missing.key'),
      caFile: join(dir, 'missing.pem'),
    };
    expect(refusal(() => readClusterTls(pair)).message).toMatch(
      /Cannot read gateway\.cluster\.tls\.certFile .*ENOENT.*PEM file/,
    );
  });

  it('refuses a key that does not match the certificate, without printing the key', async () => {
    const a = await ca.issue(['a']);
    const b = await ca.issue(['b']);
    const error = refusal(() =>
      readClusterTls({
        certFile: write('a.crt', a.cert),
        keyFile: write('b.key', b.key),
        caFile: write('ca.pem', ca.cert),
      }),
    );
    expect(error.message).toMatch(/matching PEM pair/);
    expect(error.message).not.toContain(b.key.split('\n')[1]!);
  });

  it('refuses a certificate the CA did not sign: its peers would refuse it', async () => {
    const stranger = await other.issue(['10.0.1.16']);
    const error = refusal(() =>
      readClusterTls({
        certFile: write('stranger.crt', stranger.cert),
        keyFile: write('stranger.key', stranger.key),
        caFile: write('ca.pem', ca.cert),
      }),
    );
    expect(error.message).toMatch(/not signed by a CA in gateway\.cluster\.tls\.caFile/);
  });

  it('refuses a certificate out of date', async () => {
    const pair = await ca.issue(['10.0.1.17'], { days: 1 });
    const files = {
      certFile: write('short.crt', pair.cert),
      keyFile: write('short.key', pair.key),
      caFile: write('ca.pem', ca.cert),
    };
    expect(() => readClusterTls(files)).not.toThrow();
    const later = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    expect(refusal(() => readClusterTls(files, later)).message).toMatch(/not now: peers would refuse it/);
  });

  it('refuses a file holding no certificate', () => {
    const error = refusal(() =>
      readClusterTls({
        certFile: write('empty.crt', 'nothing'),
        keyFile: write('empty.key', 'x'),
        caFile: write('ca.pem', ca.cert),
      }),
    );
    expect(error.message).toMatch(/holds no PEM certificate/);
  });
});
