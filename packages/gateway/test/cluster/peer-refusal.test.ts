import { describe, expect, it } from 'vitest';
import { isTlsFailure } from '../../src/cluster/peer-refusal.js';

const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('telling a refused certificate from an unreachable owner', () => {
  it('takes TLS and certificate verification codes as a refusal', () => {
    for (const code of [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_HAS_EXPIRED',
    ])
      expect(isTlsFailure(failure(code)), code).toBe(true);
  });

  it('takes network and other errors as an owner that cannot be reached', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ERR_STREAM_PREMATURE_CLOSE',
      'HPE_INVALID_CONSTANT',
    ])
      expect(isTlsFailure(failure(code)), code).toBe(false);
    expect(isTlsFailure(new Error('no code'))).toBe(false);
  });
});
