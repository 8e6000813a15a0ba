import { AirlockError, durationProblem, globProblem, parseDuration } from '@airlock/core';
import { z } from 'zod';

/** Longest reason a request, decision or revocation may carry. */
export const MAX_REASON_LENGTH = 500;
const MAX_TOOLS = 50;

// Control characters (C0, DEL, C1) and line/paragraph separators: a reason is one line of text
// shown in terminals, logs and the console, so nothing in it may move a cursor or fake a line.
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

function reasonProblem(text: string): string | undefined {
  if (text.trim().length === 0) return 'the reason is empty: say why (e.g. the incident or ticket)';
  if (text.length > MAX_REASON_LENGTH) return `the reason is longer than ${MAX_REASON_LENGTH} characters`;
  if (hasControl(text))
    return 'the reason contains control characters or line breaks: write one line of text';
  return undefined;
}

const reason = z.string().superRefine((text, ctx) => {
  const problem = reasonProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const createBody = z.strictObject({
  connection: z.string().min(1).max(200),
  tools: z
    .array(
      z.string().superRefine((glob, ctx) => {
        const problem = globProblem(glob);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `tool "${glob}": ${problem}` });
      }),
    )
    .max(MAX_TOOLS)
    .optional(),
  duration: z.string().superRefine((text, ctx) => {
    const problem = durationProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  reason,
});

const decisionBody = z.strictObject({ reason: reason.optional() });
const denyBody = z.strictObject({ reason });

export interface AccessRequestInput {
  readonly connection: string;
  readonly tools: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
}

function parsed<T>(schema: z.ZodType<T>, text: string, what: string, example: string): T {
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new AirlockError('access_request_invalid', `${what} is not JSON. Send ${example}.`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`,
  );
  throw new AirlockError(
    'access_request_invalid',
    `${what} is not valid: ${problems.join('; ')}. Send ${example}.`,
    {
      data: { problems },
    },
  );
}

const CREATE_EXAMPLE =
  '{"connection": "<name>", "tools": ["read_*"] (optional), "duration": "1h", "reason": "…"}';

/** The body of `POST /api/v1/access/requests`. */
export function parseAccessRequest(text: string): AccessRequestInput {
  const body = parsed(createBody, text, 'The access request', CREATE_EXAMPLE);
  return {
    connection: body.connection,
    tools: [...new Set(body.tools ?? [])],
    durationSeconds: parseDuration(body.duration),
    reason: body.reason.trim(),
  };
}

/** The body of a grant or revoke (`{reason?}`) or a deny (`{reason}`, required). */
export function parseDecisionReason(text: string, step: 'grant' | 'deny' | 'revoke'): string | undefined {
  if (step === 'deny')
    return parsed(denyBody, text, 'The denial', '{"reason": "…"} (a denial says why)').reason.trim();
  return parsed(decisionBody, text, `The ${step}`, '{"reason": "…"} (optional)').reason?.trim();
}
