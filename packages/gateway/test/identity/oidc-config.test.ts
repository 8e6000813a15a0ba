import { parseConfig } from '@airlock/core';
import { describe, expect, it } from 'vitest';

const base = `
gateway:
  tunnel: { tls: { certFile: c.pem, keyFile: k.pem } }
`;

describe('gateway.auth oidc configuration', () => {
  it('needs publicUrl, and says why', () => {
    expect(() =>
      parseConfig(`${base}  auth: { mode: oidc, issuers: [{ issuer: "https://idp.example" }] }\n`),
    ).toThrow(/gateway\.publicUrl: gateway\.auth\.mode "oidc" needs gateway\.publicUrl/);
  });

  it('fills the defaults', () => {
    const config = parseConfig(
      `${base}  publicUrl: https://airlock.example\n  auth: { mode: oidc, issuers: [{ issuer: "https://idp.example" }] }\n`,
    );
    expect(config.gateway?.auth).toEqual({
      mode: 'oidc',
      issuers: [
        {
          issuer: 'https://idp.example',
          algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
          groupsClaim: 'groups',
        },
      ],
      clockSkewSeconds: 60,
    });
  });

  it('cannot be told to accept symmetric or unsigned tokens', () => {
    for (const alg of ['HS256', 'none']) {
      expect(() =>
        parseConfig(
          `${base}  publicUrl: https://airlock.example\n  auth: { mode: oidc, issuers: [{ issuer: "https://idp.example", algorithms: [${alg}] }] }\n`,
        ),
      ).toThrow(/algorithms\[0\]/);
    }
  });

  it('keeps mode none the default', () => {
    expect(parseConfig(base).gateway?.auth).toEqual({ mode: 'none' });
  });
});
