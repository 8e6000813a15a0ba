/** A person the dev identity provider knows. `groups` left out = the tokens carry no groups claim. */
export interface DemoPerson {
  readonly email: string;
  readonly name: string;
  /** What the login form checks (none: the person cannot log in by form). Dev only: printed in the banner. */
  readonly password?: string;
  readonly groups?: readonly string[];
}

/**
 * The demo people of `airlock dev`, one per kind of access the access rules tell apart: an SRE who
 * may use everything, an auditor, a contractor with a subset. The passwords are printed in the
 * banner; the provider only ever listens on loopback.
 */
export const DEMO_PEOPLE: Readonly<Record<string, DemoPerson>> = Object.freeze({
  alice: { email: 'alice@example.com', name: 'Alice (SRE)', password: 'alice-sre', groups: ['sre'] },
  bob: { email: 'bob@example.com', name: 'Bob (auditor)', password: 'bob-auditor', groups: ['auditors'] },
  carol: {
    email: 'carol@example.com',
    name: 'Carol (contractor)',
    password: 'carol-contractor',
    groups: ['contractors'],
  },
});
