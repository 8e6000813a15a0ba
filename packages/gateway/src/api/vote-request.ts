import type { IncomingMessage } from 'node:http';
import { AirlockError } from '@airlock/core';
import { readBody } from '../http/read-body.js';

/** A vote's body is one short reason: 64 KiB is far more than it needs. */
export const MAX_VOTE_BODY_BYTES = 64 * 1024;
export const MAX_REASON_LENGTH = 500;
const CONTROL = /\p{Cc}/u;

/**
 * The body of `POST /api/v1/approvals/<id>/approve|deny`: `{ "reason": "..." }`. A reason is
 * 1..500 characters without control characters (it is shown to people and written to logs, where
 * a newline or an escape sequence could forge lines); a denial must give one. An empty body is an
 * approval without a reason.
 */
export async function readVoteRequest(
  req: IncomingMessage,
  decision: 'approve' | 'deny',
): Promise<{ readonly reason: string | undefined }> {
  const text = await readBody(req, MAX_VOTE_BODY_BYTES);
  const example = decision === 'deny' ? '{"reason": "why not"}' : '{} or {"reason": "why"}';
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new AirlockError('invalid_params', `The request body is not JSON; send ${example}.`);
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AirlockError('invalid_params', `The request body must be a JSON object; send ${example}.`);
  }
  const extra = Object.keys(body).filter((key) => key !== 'reason');
  if (extra.length > 0) {
    throw new AirlockError(
      'invalid_params',
      `A vote takes only "reason"; remove ${extra.map((k) => `"${k}"`).join(', ')} and send ${example}.`,
    );
  }
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) {
    if (decision === 'deny') {
      throw new AirlockError(
        'invalid_params',
        'A denial needs a reason, which the requester sees; send {"reason": "why not"}.',
      );
    }
    return { reason: undefined };
  }
  if (
    typeof reason !== 'string' ||
    reason.length < 1 ||
    reason.length > MAX_REASON_LENGTH ||
    CONTROL.test(reason)
  ) {
    throw new AirlockError(
      'invalid_params',
      `"reason" must be text of 1 to ${MAX_REASON_LENGTH} characters on one line, without control characters.`,
    );
  }
  return { reason };
}
