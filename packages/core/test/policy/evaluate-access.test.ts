import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_CALLER,
  compileAccessRules,
  evaluateAccess,
  evaluateConnectionAccess,
} from '../../src/index.js';
import { alice, bob, carol, dana, gatewayWith, person, sharedRules } from './access-fixtures.js';

const rules = sharedRules();

describe('evaluateAccess', () => {
  it('gives a connection to a person when a rule for one of their groups names it', () => {
    expect(evaluateConnectionAccess(rules, alice, 'anything')).toMatchObject({ allowed: true });
    expect(evaluateConnectionAccess(rules, bob, 'prod-api')).toMatchObject({ allowed: true });
    expect(evaluateConnectionAccess(rules, carol, 'kitchen')).toMatchObject({ allowed: true });
    const refused = evaluateConnectionAccess(rules, carol, 'prod-api');
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.allowed || refused.reason).toMatch(
      /connection "prod-api" is denied for carol: no access rule gives your groups \(groups: contractors\)/,
    );
  });

  it('applies a "*" group rule to every caller, even one whose token carries no groups', () => {
    expect(evaluateConnectionAccess(rules, dana, 'lobby')).toMatchObject({ allowed: true });
    expect(evaluateAccess(rules, dana, 'lobby', 'tool', 'help').allowed).toBe(true);
    expect(evaluateAccess(rules, carol, 'lobby', 'tool', 'help').allowed).toBe(true);
    expect(evaluateAccess(rules, dana, 'lobby', 'tool', 'other').allowed).toBe(false);
    expect(evaluateConnectionAccess(rules, dana, 'kitchen')).toMatchObject({ allowed: false });
    const refused = evaluateConnectionAccess(rules, dana, 'kitchen');
    expect(refused.allowed || refused.reason).toMatch(/no groups in your token/);
  });

  it('allows an item only when an applicable rule allows it', () => {
    expect(evaluateAccess(rules, carol, 'kitchen', 'tool', 'echo')).toMatchObject({
      allowed: true,
      rule: { number: 3 },
    });
    const decision = evaluateAccess(rules, carol, 'kitchen', 'tool', 'crash');
    expect(decision.allowed).toBe(false);
    expect(decision.allowed || decision.reason).toBe(
      'tool "crash" on connection "kitchen" is not allowed for carol: no access rule allows it (rule #3 applies). Ask an operator if you need it.',
    );
    expect(evaluateAccess(rules, carol, 'kitchen', 'prompt', 'greet').allowed).toBe(true);
    expect(evaluateAccess(rules, carol, 'kitchen', 'prompt', 'other').allowed).toBe(false);
    expect(evaluateAccess(rules, carol, 'kitchen', 'resource', 'kitchen://items/2').allowed).toBe(true);
    expect(evaluateAccess(rules, carol, 'kitchen', 'resource', 'kitchen://readme').allowed).toBe(false);
  });

  it('defaults a kind a rule does not mention to allow everything', () => {
    expect(evaluateAccess(rules, alice, 'kitchen', 'tool', 'crash').allowed).toBe(true);
    expect(evaluateAccess(rules, bob, 'prod-api', 'prompt', 'any').allowed).toBe(true);
  });

  it('gives nobody a connection through a rule that only denies', () => {
    expect(evaluateConnectionAccess(rules, dana, 'prod-db')).toMatchObject({ allowed: false });
    expect(evaluateConnectionAccess(rules, carol, 'prod-db')).toMatchObject({ allowed: false });
    expect(evaluateConnectionAccess(rules, alice, 'prod-db')).toMatchObject({
      allowed: true,
      rule: { number: 1 },
    });
  });

  it('lets deny win over allow, whichever rule either comes from, and names the denying rule', () => {
    // Rule #1 allows alice every tool; rule #4 (group "*") denies delete_* on prod-db.
    const decision = evaluateAccess(rules, alice, 'prod-db', 'tool', 'delete_db');
    expect(decision).toMatchObject({ allowed: false, rule: { number: 4 } });
    expect(decision.allowed || decision.reason).toBe(
      'tool "delete_db" on connection "prod-db" is denied for alice by access rule #4 (deny: delete_*).',
    );
    expect(evaluateAccess(rules, alice, 'prod-db', 'tool', 'get_rows').allowed).toBe(true);
    // Within one rule too: auditors may get_* but not get_secret.
    expect(evaluateAccess(rules, bob, 'prod-api', 'tool', 'get_user').allowed).toBe(true);
    expect(evaluateAccess(rules, bob, 'prod-api', 'tool', 'get_secret_key')).toMatchObject({
      allowed: false,
      rule: { number: 2 },
    });
    expect(evaluateAccess(rules, bob, 'prod-api', 'resource', 'db://secrets/root').allowed).toBe(false);
    expect(evaluateAccess(rules, bob, 'prod-api', 'resource', 'db://tables/users').allowed).toBe(true);
  });

  it('combines the rules of all a person’s groups', () => {
    const both = person('erin', 'auditors', 'contractors');
    expect(evaluateAccess(rules, both, 'kitchen', 'tool', 'echo').allowed).toBe(true);
    expect(evaluateAccess(rules, both, 'prod-api', 'tool', 'list_tables').allowed).toBe(true);
    expect(evaluateAccess(rules, both, 'prod-api', 'tool', 'echo').allowed).toBe(false);
  });

  it('with auth "oidc" and no rules refuses everyone, saying why', () => {
    for (const access of [undefined, { rules: [], jit: [] }]) {
      const none = compileAccessRules(access, 'oidc');
      const decision = evaluateAccess(none, alice, 'kitchen', 'tool', 'echo');
      expect(decision.allowed).toBe(false);
      expect(decision.allowed || decision.reason).toMatch(/has no access rules \(gateway\.access\.rules\)/);
    }
  });

  it('with auth "none" and no access section allows everything (dev); with rules, applies them', () => {
    const dev = compileAccessRules(undefined, 'none');
    expect(dev.unrestricted).toBe(true);
    expect(evaluateAccess(dev, ANONYMOUS_CALLER, 'kitchen', 'tool', 'crash').allowed).toBe(true);
    const configured = gatewayWith({
      access: { rules: [{ groups: ['*'], connections: ['kitchen'], tools: { deny: ['crash'] } }] },
    });
    const ruled = compileAccessRules(configured.access, 'none');
    expect(evaluateAccess(ruled, ANONYMOUS_CALLER, 'kitchen', 'tool', 'echo').allowed).toBe(true);
    expect(evaluateAccess(ruled, ANONYMOUS_CALLER, 'kitchen', 'tool', 'crash').allowed).toBe(false);
    expect(evaluateAccess(ruled, ANONYMOUS_CALLER, 'other', 'tool', 'echo').allowed).toBe(false);
  });
});
