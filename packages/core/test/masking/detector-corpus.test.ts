import { describe, expect, it } from 'vitest';
import { compileMasker, expandDetectorNames, type BuiltinDetectorName } from '../../src/index.js';

/** For each detector: values it must mask (true positives) and look-alikes it must leave (true negatives). */
const corpus: Record<BuiltinDetectorName, { positives: string[]; negatives: string[] }> = {
  aws_access_key_id: {
    positives: ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A'],
    negatives: ['AKIAIOSFODNN7EXAMPL', 'XKIAIOSFODNN7EXAMPLE', 'akiaiosfodnn7example'],
  },
  aws_secret_access_key: {
    positives: [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    ],
    // A 40-hex git commit id, and a random-looking 40-character value with no AWS wording nearby.
    negatives: [
      'aws commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
  },
  aws_session_token: {
    positives: [`IQoJb3JpZ2luX2VjEJr${'A1b2C3d4'.repeat(8)}`, `aws_session_token=${'Zm9vYmFy'.repeat(16)}`],
    negatives: ['session token expired', `aws_session_token=short`],
  },
  github_token: {
    positives: [`ghp_${'a1B2c3D4e5'.repeat(4)}`, `github_pat_11ABCDEFG0${'x'.repeat(60)}`],
    negatives: ['ghp_short', 'the ghp_ prefix'],
  },
  gitlab_token: {
    positives: ['glpat-xxxxxxxxxxxxxxxxxxxx'],
    negatives: ['glpat-short', 'glass-xxxxxxxxxxxxxxxxxxxx'],
  },
  slack_token: {
    positives: [
      'xoxb-1234567890-0987654321-abcdefghijklmnop',
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    ],
    negatives: ['xox-nothing', 'https://hooks.slack.com/'],
  },
  stripe_key: {
    positives: ['sk_live_51Habcdefghijklmnop', 'rk_test_abcdefghij12345'],
    negatives: ['pk_live_51Habcdefghijklmnop'],
  },
  google_api_key: { positives: ['AIzaSyA1234567890abcdefghijklmnopqrstuv'], negatives: ['AIzaShort'] },
  vendor_token: {
    positives: [
      `npm_${'a'.repeat(36)}`,
      `sk-proj-${'Ab1'.repeat(10)}`,
      `SG.${'a'.repeat(22)}.${'b'.repeat(43)}`,
    ],
    negatives: ['npm_install', 'sk-learn is a library'],
  },
  bearer_token: {
    positives: ['Authorization: Bearer abcdefghijklmnop1234567890', 'Basic dXNlcjpwYXNzd29yZDEyMzQ='],
    negatives: ['the bearer of bad news', 'Bearer short'],
  },
  jwt: {
    positives: [
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    // Looks like a JWT but its header is not JSON with an alg.
    negatives: ['eyJub3RhbGciOiJ4In0x.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc', 'eyJ is how base64 JSON starts'],
  },
  private_key: {
    positives: [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg',
    ],
    negatives: ['-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----', 'private key rotation'],
  },
  url_password: {
    positives: ['postgres://app:s3cr3tP4ss@db.internal:5432/app', 'Server=db;User Id=sa;Password=Hunter2!x;'],
    negatives: ['https://example.com/path?x=1', 'postgres://db.internal:5432/app'],
  },
  email: {
    positives: ['jane.doe@example.com', 'ops+alerts@corp.example.co.uk'],
    negatives: ['user@localhost', 'not an @ address'],
  },
  payment_card: {
    positives: ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005'],
    // Luhn-invalid, and Luhn-valid digits no card network issues.
    negatives: ['4111 1111 1111 1112', '1234567812345670', 'order 20261128'],
  },
  iban: {
    positives: ['GB82WEST12345698765432', 'DE89 3704 0044 0532 0130 00'],
    negatives: ['GB82WEST12345698765433', 'XX82WEST12345698765432'],
  },
  us_ssn: {
    positives: ['123-45-6789', '078 05 1121'],
    negatives: ['000-12-3456', '666-12-3456', '123-00-6789', '123456789'],
  },
  phone: {
    positives: ['+1 (415) 555-2671', '212-555-0199', '+44 20 7946 0958'],
    negatives: ['2026-07-28', 'version 1.2.3', '1733280000', 'call 555'],
  },
  ipv4: { positives: ['10.0.12.7', '192.168.1.254'], negatives: ['999.1.1.1', 'version 1.2.3.4.5', '1.2.3'] },
  ipv6: {
    positives: ['2001:db8::8a2e:370:7334', 'fe80::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    negatives: ['12:30:45', 'a:b:c', 'std::vector'],
  },
};

const UUID = '123e4567-e89b-12d3-a456-426614174000';

async function maskWith(detector: BuiltinDetectorName, text: string): Promise<string> {
  const masker = await compileMasker({
    detectors: [detector],
    custom: [],
    replacement: { style: 'type', keepLast: 4 },
  });
  return masker.mask(text).value;
}

describe('built-in detectors', () => {
  for (const [name, { positives, negatives }] of Object.entries(corpus) as [
    BuiltinDetectorName,
    (typeof corpus)[BuiltinDetectorName],
  ][]) {
    describe(name, () => {
      it.each(positives)('masks %s', async (value) => {
        const masked = await maskWith(name, `before ${value} after`);
        expect(masked).toContain(`[MASKED:${name.toUpperCase()}]`);
        expect(masked.startsWith('before ')).toBe(true);
      });
      it.each([...negatives, UUID])('leaves %s', async (value) => {
        expect(await maskWith(name, `before ${value} after`)).toBe(`before ${value} after`);
      });
    });
  }

  it('types a JWT after "Bearer" as a JWT, and a connection string password not as an email', async () => {
    const masker = await compileMasker({
      detectors: expandDetectorNames(['default']),
      custom: [],
      replacement: { style: 'type', keepLast: 4 },
    });
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(masker.mask(`Authorization: Bearer ${jwt}`).value).toBe('Authorization: Bearer [MASKED:JWT]');
    expect(masker.mask('postgres://billing:Sup3rS3cretPw@db.internal:5432/billing').value).toBe(
      'postgres://billing:[MASKED:URL_PASSWORD]@db.internal:5432/billing',
    );
    expect(masker.mask('mailto:jane@example.com').value).toBe('mailto:[MASKED:EMAIL]');
  });

  it('masks only the password of a connection string, keeping the host', async () => {
    const masked = await maskWith('url_password', 'postgres://app:s3cr3tP4ss@db.internal:5432/app');
    expect(masked).toBe('postgres://app:[MASKED:URL_PASSWORD]@db.internal:5432/app');
  });
});
