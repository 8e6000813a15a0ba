import type { GuardrailMatch } from '../recording/recording-event.js';
import type { Caller } from '../relay/caller.js';
import type { Guardrails } from './compile-guardrails.js';
import { evaluateGuardrails } from './evaluate-guardrails.js';
import { descriptionActivation } from './guardrail-activation.js';

const NOBODY: Caller = { subject: '', groups: [], anonymous: true };

/**
 * Checks one tool definition against the description rules (hidden instructions, ...): the match
 * that hides it, or undefined. Used on every tools/list answer and by tool pinning.
 */
export function screenToolDefinition(
  guardrails: Guardrails,
  connection: string,
  tool: Record<string, unknown>,
  caller: Caller = NOBODY,
): GuardrailMatch | undefined {
  const name = typeof tool['name'] === 'string' ? tool['name'] : '';
  const verdict = evaluateGuardrails(
    guardrails,
    connection,
    'description',
    { method: 'tools/list', tool: name, prompt: '', resource: '' },
    () => descriptionActivation(tool, caller, connection),
  );
  return verdict.decidedBy?.action === 'deny' ? verdict.matches.at(-1) : undefined;
}
