import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type ApprovalListView, type GatewayConfig } from '@airlock/core';
import { startGateway, type RunningGateway } from '@airlock/gateway';
import type { ApprovalRecord, HeldCallRequest } from '@airlock/recording';
import {
  spawnNode,
  startTestIdentityProvider,
  type NodeProcess,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { createSelfSignedCertificate } from '@airlock/tunnel';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `airlock approvals ...` as approvers run them, against a whole gateway in this process (OIDC,
 * no recording store: held calls in memory). Calls are held through the store the gateway
 * exposes for its relay, so this also checks that the API decides on that very store.
 */
const AIRLOCK = new URL('../dist/main.js', import.meta.url).pathname;
const PUBLIC_URL = 'https://airlock.example.test';
const USERS = {
  alice: { email: 'alice@example.com', name: 'Alice', groups: ['sre'] },
  bob: { email: 'bob@example.com', name: 'Bob', groups: ['sre'] },
  dana: { email: 'dana@example.com', name: 'Dana', groups: ['sre-leads'] },
  mallory: { email: 'mallory@example.com', name: 'Mallory', groups: ['marketing'] },
};
type User = keyof typeof USERS;

let dir: string;
let idp: TestIdentityProvider;
let gateway: RunningGateway;
const tokens: Partial<Record<User, string>> = {};
const decided: ApprovalRecord[] = [];
const running: NodeProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-approvals-cli-'));
  idp = await startTestIdentityProvider({ users: USERS });
  const config = configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: PUBLIC_URL,
      tunnel: {
        listen: { host: '127.0.0.1', port: 0 },
        tls: { certFile: 'unused.pem', keyFile: 'unused.key' },
      },
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
    },
  }).gateway as GatewayConfig;
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  gateway = await startGateway(config, {
    logger: pino({ enabled: false }),
    tls: { cert: Buffer.from(cert), key: Buffer.from(key) },
  });
  gateway.approvalDecisions.subscribe((approval) => decided.push(approval));
  for (const user of Object.keys(USERS) as User[]) {
    tokens[user] = await idp.issueAccessToken({ user, resource: PUBLIC_URL });
  }
});
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await gateway?.close();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function airlock(args: string[], user: User): NodeProcess {
  const child = spawnNode(AIRLOCK, ['approvals', ...args], {
    env: {
      AIRLOCK_GATEWAY: `http://127.0.0.1:${gateway.http.port}`,
      AIRLOCK_HOME: join(dir, 'home'),
      AIRLOCK_TOKEN: tokens[user],
    },
    cwd: dir,
  });
  running.push(child);
  return child;
}

async function run(args: string[], user: User) {
  const child = airlock(args, user);
  const { code } = await child.exited;
  return { code, stdout: child.stdoutLines.join('\n'), stderr: child.stderr() };
}

/** A call alice made, held for two people from sre or sre-leads, one of them a lead. */
async function hold(overrides: Partial<HeldCallRequest> = {}): Promise<string> {
  const id = `apr-${randomUUID()}`;
  await gateway.approvals.holdCall({
    id,
    digest: randomUUID(),
    sessionId: 'sess-alice-7',
    connection: 'prod-db',
    requester: { subject: 'alice', email: 'alice@example.com', groups: ['sre'] },
    method: 'tools/call',
    target: 'run_sql',
    params: JSON.stringify({ name: 'run_sql', arguments: { sql: 'DROP TABLE audit', dryRun: false } }),
    rule: 'destructive-sql',
    message: 'Destructive SQL needs two SREs, one of them a lead',
    requirement: { approverGroups: ['sre', 'sre-leads'], required: 2, requiredGroups: ['sre-leads'] },
    holdSeconds: 600,
    rememberSeconds: 300,
    at: new Date(),
    ...overrides,
  });
  return id;
}

describe('airlock approvals', () => {
  it('lists, shows and decides a held call, two people with a lead among them', async () => {
    const id = await hold();
    const list = await run(['list'], 'bob');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^REQUESTED\s+APPROVAL\s+STATUS\s+REQUESTER\s+CONNECTION\s+CALL\s+VOTES$/m);
    expect(list.stdout).toMatch(
      new RegExp(
        `${id}\\s+pending\\s+alice@example.com\\s+prod-db\\s+run_sql\\s+0 \\(needs 2 more approvers`,
      ),
    );

    const shown = await run(['show', id], 'bob');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      'Status      pending: needs 2 more approvers from sre or sre-leads, including one from sre-leads',
    );
    expect(shown.stdout).toMatch(/^Requested {3}\S+ by alice <alice@example.com> \(groups: sre\)$/m);
    expect(shown.stdout).toContain('Call        tools/call run_sql');
    expect(shown.stdout).toContain(
      'Rule        destructive-sql: Destructive SQL needs two SREs, one of them a lead',
    );
    expect(shown.stdout).toContain(`Session     sess-alice-7  (${PUBLIC_URL}/api/v1/sessions/sess-alice-7)`);
    expect(shown.stdout).toContain('Votes       none yet');
    expect(shown.stdout).toContain(
      'Arguments\n  {\n    "sql": "DROP TABLE audit",\n    "dryRun": false\n  }',
    );
    expect(shown.stdout).toContain(`airlock approvals approve ${id}`);

    const own = await run(['approve', id], 'alice');
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('You asked for the call held as approval');

    const first = await run(['approve', id, '--reason', 'ticket OPS-12'], 'bob');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `Your approval counted; approval ${id} needs 1 more approver from sre-leads.`,
    );
    expect(first.stdout).toMatch(/^ {2}bob \(sre\) approved at \S+: ticket OPS-12$/m);
    expect(decided.map((a) => a.id)).not.toContain(id);

    const lead = await run(['approve', id], 'dana');
    expect(lead.code, lead.stderr).toBe(0);
    expect(lead.stdout).toContain(`Approval ${id} is approved: the held call runs once.`);
    expect(decided.filter((a) => a.id === id).map((a) => a.status)).toEqual(['approved']);
    expect((await gateway.approvals.getApproval(id))?.status).toBe('approved');

    const late = await run(['deny', id, '--reason', 'too late'], 'bob');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('already approved');
  });

  it('denies only with a reason, and hides calls from people who may not see them', async () => {
    const id = await hold();
    const noReason = await run(['deny', id], 'bob');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('Say why with --reason');

    const hidden = await run(['show', id], 'mallory');
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`No approval ${id} exists (or it is not yours to see)`);
    expect((await run(['list'], 'mallory')).stdout).toContain('No approvals match.');

    const denied = await run(['deny', id, '--reason', 'not in the freeze'], 'dana');
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toContain(`Approval ${id} is denied`);
    const all = await run(['list', '--all', '--json'], 'alice');
    const page = JSON.parse(all.stdout) as ApprovalListView;
    expect(page.approvals.find((a) => a.id === id)).toMatchObject({
      status: 'denied',
      votes: [{ by: 'dana', decision: 'deny', reason: 'not in the freeze' }],
    });
    const pending = JSON.parse((await run(['list', '--json'], 'alice')).stdout) as ApprovalListView;
    expect(pending.approvals.map((a) => a.id)).not.toContain(id);
  });

  it('watches: prints the pending calls, then each new one as it is held', async () => {
    const before = await hold({ connection: 'watched' });
    const watch = airlock(['watch'], 'bob');
    await watch.waitForLine((line) => line === `Approval    ${before}`, { timeoutMs: 15_000 });
    const arriving = await hold({ connection: 'watched', target: 'drop_database' });
    await watch.waitForLine((line) => line === `Approval    ${arriving}`, { timeoutMs: 15_000 });
    expect(watch.stdoutLines.filter((line) => line === `Approval    ${before}`)).toHaveLength(1);
    expect(watch.stdoutLines).toContain('Call        tools/call drop_database');
    await watch.kill();
  });
});
