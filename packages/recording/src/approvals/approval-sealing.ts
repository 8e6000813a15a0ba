import type { SessionKeyRing } from '../crypto/session-key-ring.js';
import type { ApprovalRow } from './approval-row.js';

type SealedField = 'params' | 'outcome';

/**
 * Encryption at rest of a held call's arguments and its stored outcome, under the same session
 * data key as the session's recorded messages (AAD: `approval:<id>:<field>` and the session id):
 * the exact arguments of a dangerous call are as sensitive as the messages that carry them.
 * Plaintext is JSON text of an object (it starts with `{`, which base64 never does), so rows
 * written before encryption was switched on stay readable.
 */
export class ApprovalSealing {
  constructor(private readonly ring: SessionKeyRing | undefined) {}

  async seal(sessionId: string, approvalId: string, field: SealedField, text: string): Promise<string> {
    if (this.ring === undefined) return text;
    const sealed = await this.ring.seal(sessionId, aadOf(approvalId, field), text);
    return sealed.block.toString('base64');
  }

  /** The row with its arguments and outcome readable. */
  async open(row: ApprovalRow): Promise<ApprovalRow> {
    const params = await this.openField(row, 'params', row.params);
    const outcome = row.outcome === null ? null : await this.openField(row, 'outcome', row.outcome);
    return params === row.params && outcome === row.outcome ? row : { ...row, params, outcome };
  }

  private async openField(row: ApprovalRow, field: SealedField, stored: string): Promise<string> {
    if (stored.startsWith('{') || this.ring === undefined) return stored;
    return this.ring.open(row.session_id, aadOf(row.id, field), Buffer.from(stored, 'base64'));
  }
}

const aadOf = (approvalId: string, field: SealedField): string => `approval:${approvalId}:${field}`;
