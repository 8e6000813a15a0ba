/** A person the test identity provider knows. `groups` left out = the token carries no groups claim. */
export interface TestUser {
  readonly email: string;
  readonly name: string;
  readonly groups?: readonly string[];
}

/**
 * The demo people: one per kind of access the policy work needs to tell apart, plus one whose
 * tokens carry no groups claim at all (a provider that was not set up to send groups).
 */
export const DEMO_USERS: Readonly<Record<string, TestUser>> = Object.freeze({
  alice: { email: 'alice@example.com', name: 'Alice (SRE)', groups: ['sre'] },
  bob: { email: 'bob@example.com', name: 'Bob (auditor)', groups: ['auditors'] },
  carol: { email: 'carol@example.com', name: 'Carol (contractor)', groups: ['contractors'] },
  dana: { email: 'dana@example.com', name: 'Dana (no groups claim)' },
});
