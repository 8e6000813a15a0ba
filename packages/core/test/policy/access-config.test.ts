import { describe, expect, it } from 'vitest';
import { AirlockError, parseConfig } from '../../src/index.js';
import { gatewayWith } from './access-fixtures.js';

const base = `
gateway:
  tunnel: { tls: { certFile: c.pem, keyFile: k.pem } }
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, { source: 'airlock.yaml' });
  } catch (error) {
    expect(AirlockError.is(error, 'config_invalid')).toBe(true);
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('gateway.access in the configuration', () => {
  it('is absent by default, and fills each kind of a rule with allow ["*"], deny []', () => {
    expect(gatewayWith({}).access).toBeUndefined();
    const config = parseConfig(
      `${base}  access:\n    rules:\n      - { groups: [sre], connections: [prod], tools: { deny: [delete_*] } }\n`,
    );
    expect(config.gateway?.access?.rules[0]).toEqual({
      groups: ['sre'],
      connections: ['prod'],
      tools: { allow: ['*'], deny: ['delete_*'] },
      prompts: { allow: ['*'], deny: [] },
      resources: { allow: ['*'], deny: [] },
    });
  });

  it('refuses invalid globs, unknown keys and empty group or connection lists, saying where', () => {
    const found = problems(`${base}  access:
    rules:
      - { groups: [sre], connections: ["prod-[12]"] }
      - { groups: [sre], connections: [prod], tools: { allow: ["!delete_*"] } }
      - { groups: [], connections: [] }
      - { groups: [sre], connections: [prod], tool: { allow: [echo] } }
`);
    expect(found).toEqual([
      expect.stringMatching(
        /^gateway\.access\.rules\[0\]\.connections\[0\]: "prod-\[12\]": "\[" is reserved/,
      ),
      expect.stringMatching(
        /^gateway\.access\.rules\[1\]\.tools\.allow\[0\]: .*negation .* put the glob in "deny"/,
      ),
      expect.stringMatching(/^gateway\.access\.rules\[2\]\.groups: /),
      expect.stringMatching(/^gateway\.access\.rules\[2\]\.connections: /),
      expect.stringMatching(/^gateway\.access\.rules\[3\]: unknown key\(s\) "tool"/),
    ]);
  });
});
