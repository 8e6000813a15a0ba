import { Writable } from 'node:stream';
import type { ApprovalRecord } from '@airlock/recording';
import { pino, type Logger } from 'pino';

/** A held delete_bucket call as the store returns it. */
export function heldApproval(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: 'apr_7f3a9c',
    digest: 'a'.repeat(64),
    sessionId: 'ses_42',
    connection: 'aws-prod',
    requester: { subject: 'user-1', email: 'alice@example.com', groups: ['dev'] },
    method: 'tools/call',
    target: 'delete_bucket',
    params: JSON.stringify({ name: 'delete_bucket', arguments: { bucket: 'prod-logs', force: true } }),
    rule: 'prod-buckets',
    message: 'Deleting a production bucket needs an SRE lead.',
    requirement: { approverGroups: ['sre-leads'], required: 1, requiredGroups: [] },
    status: 'pending',
    votes: [],
    createdAt: '2026-03-01T10:00:00.000Z',
    expiresAt: '2026-03-01T10:15:00.000Z',
    decidedAt: undefined,
    rememberUntil: undefined,
    releasedAt: undefined,
    releasedBy: undefined,
    outcome: undefined,
    outcomeAt: undefined,
    ...overrides,
  };
}

/** A logger whose JSON lines are kept, raw (to search for leaks) and parsed. */
export function capturingLogger(): {
  logger: Logger;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      done();
    },
  });
  return {
    logger: pino({ level: 'debug' }, destination),
    text: () => raw,
    lines: () =>
      raw
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Polls until the condition holds (deliveries arrive asynchronously, by design). */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
