import { z } from 'zod';
import { approvalSchema } from './approval-schema.js';
import { checkGuardrailRules, GuardrailCompileError } from '../guardrails/compile-guardrails.js';
import { connectionGlobs, globSchema } from './glob-schema.js';

/**
 * Guardrails: rules on the parsed body of every client→server request (and, for `deny` rules
 * with `direction: response`, on server→client responses). First match wins, in file order.
 * CEL expressions and pack names are checked when the rules are compiled (guardrails/), which
 * config validation runs too, so a bad rule stops startup with its path.
 */
export const guardrailActionSchema = z.enum(['deny', 'approve', 'allow', 'audit']);

const ruleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a rule name is 1-63 lower-case letters, digits, ".", "-" or "_"');

const globs = z.union([globSchema, z.array(globSchema).min(1)]);

export const guardrailRuleSchema = z.strictObject({
  name: ruleName,
  connections: connectionGlobs.default(['*']),
  /**
   * `request` (client→server, default); `response` (server→client results and errors; `deny`
   * only: the response is replaced by an error); `description` (each tool definition in a
   * `tools/list` answer; `deny` only: the tool is hidden and recorded, e.g. hidden instructions).
   */
  direction: z.enum(['request', 'response', 'description']).default('request'),
  /** JSON-RPC method glob(s), e.g. `tools/call`. */
  method: globs.optional(),
  /** Tool name glob(s) (tools/call); implies method tools/call when `method` is absent. */
  tool: globs.optional(),
  /** Prompt name glob(s) (prompts/get). */
  prompt: globs.optional(),
  /** Resource URI glob(s) (resources/read, subscribe). */
  resource: globs.optional(),
  /** CEL over { method, tool, arguments, caller: { subject, email, groups }, connection, ... }. */
  when: z.string().min(1).max(4000).optional(),
  action: guardrailActionSchema,
  /** Shown to the client in the error (deny, approve) and recorded. */
  message: z.string().min(1).max(1000).optional(),
  /** Groups that may approve (action approve): a held call waits for a member of one of them. */
  approvers: z.array(z.string().min(1)).min(1).optional(),
  /** How a held call is decided (action approve); defaults: one approver, 10 minutes. */
  approval: approvalSchema.optional(),
});

/** A built-in rule pack switched on by name, at this place in the rule order. */
export const guardrailPackRefSchema = z.strictObject({
  pack: z.string().min(1),
  connections: connectionGlobs.default(['*']),
  /** Overrides the pack's action (default: the pack's own, `deny`). */
  action: guardrailActionSchema.optional(),
  /** With action approve: who decides, and how (as on a rule). */
  approvers: z.array(z.string().min(1)).min(1).optional(),
  approval: approvalSchema.optional(),
});

export const guardrailsSchema = z
  .strictObject({
    rules: z.array(z.union([guardrailRuleSchema, guardrailPackRefSchema])).default([]),
    /**
     * The cost bound of one CEL expression: at most this many syntax-tree nodes (and depth 32).
     * CEL has no loops, so cost is expression size times input size, and input is bounded by the
     * gateway's body limit; an expression over the bound is a startup error.
     */
    maxExpressionNodes: z.number().int().positive().max(100_000).default(2000),
  })
  .superRefine((guardrails, ctx) => {
    guardrails.rules.forEach((rule, index) => {
      if ('pack' in rule) return;
      if (rule.approval !== undefined && rule.action !== 'approve') {
        ctx.addIssue({
          code: 'custom',
          message: `guardrail "${rule.name}" has approval settings but its action is ${rule.action}; they apply only to action approve`,
          path: ['rules', index, 'approval'],
        });
      }
    });
    // Checked now, so a bad rule stops startup (and `airlock config check`) with its path. The
    // CEL expressions compile where the rules are used (compileConfiguredGuardrails): the
    // expression language loads only in a process that evaluates them.
    try {
      checkGuardrailRules(guardrails);
    } catch (error) {
      if (!(error instanceof GuardrailCompileError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, path: [...error.path] });
    }
  })
  .prefault({});

export type GuardrailAction = z.infer<typeof guardrailActionSchema>;
export type GuardrailRuleConfig = z.infer<typeof guardrailRuleSchema>;
export type GuardrailPackRefConfig = z.infer<typeof guardrailPackRefSchema>;
export { approvalSchema, type ApprovalConfig } from './approval-schema.js';
export type GuardrailsConfig = z.infer<typeof guardrailsSchema>;
