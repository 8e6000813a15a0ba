import { z } from 'zod';
import { detectorNameProblem } from '../masking/detector-names.js';
import { customDetectorProblem } from '../masking/detectors/custom-detector.js';
import { connectionGlobs } from './glob-schema.js';

/**
 * Masking configuration. The gateway's `masking` section is the central policy, sent to the agent
 * for every session; the agent's `masking.floor` (and each connection's) is what the agent masks
 * whatever the gateway says. The agent always masks the credentials it injected.
 */

/** A detector or group name (see masking/detector-names.ts). */
const detectorName = z.string().superRefine((name, ctx) => {
  const problem = detectorNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A custom detector: a pattern run by a linear-time engine (RE2 syntax), compiled at startup. */
export const customDetectorSchema = z
  .strictObject({
    /** Shown as `[MASKED:TYPE]` and recorded in the masking findings. */
    type: z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9_]{0,39}$/,
        'a detector type is a letter then up to 39 letters, digits or "_"',
      ),
    /** RE2 syntax: no backreferences or lookaround, so matching is linear in the input. */
    pattern: z.string().min(1).max(2000),
    /** When given, a match counts only if one of these words appears within `keywordWindow` characters before it. */
    keywords: z.array(z.string().min(1)).default([]),
    keywordWindow: z.number().int().positive().max(10_000).default(64),
    /** Check digits a match must pass: `luhn` (card numbers), `mod97` (IBAN). */
    validate: z.enum(['luhn', 'mod97']).optional(),
  })
  .superRefine((detector, ctx) => {
    const problem = customDetectorProblem(detector);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['pattern'] });
  });

export const maskingReplacementSchema = z
  .strictObject({
    /**
     * `type`: `[MASKED:TYPE]`. `partial`: `[MASKED:TYPE:…last]` keeping the last `keepLast`
     * characters. `hash`: `[MASKED:TYPE:ab12cd34]`, an HMAC of the value with a key only the agent
     * holds, so equal values stay correlatable without being revealed.
     */
    style: z.enum(['type', 'partial', 'hash']).default('type'),
    keepLast: z.number().int().min(1).max(8).default(4),
  })
  .prefault({});

/** One entry of `gateway.masking`: the first entry naming a connection decides its masking. */
export const gatewayMaskingRuleSchema = z.strictObject({
  connections: connectionGlobs,
  /** False asks the agent for no masking beyond its floor (which it applies anyway). */
  enabled: z.boolean().default(true),
  detectors: z.array(detectorName).default(['default']),
  custom: z.array(customDetectorSchema).default([]),
  replacement: maskingReplacementSchema,
});

/** What the agent masks whatever the gateway asks: for every connection, or for one. */
export const maskingFloorSchema = z
  .strictObject({
    detectors: z.array(detectorName).default(['secrets']),
    custom: z.array(customDetectorSchema).default([]),
  })
  .prefault({});

export const agentMaskingSchema = z
  .strictObject({
    floor: maskingFloorSchema,
    /**
     * File holding the key (32+ bytes, hex or base64) for `hash` replacements; default: a random
     * key per agent process, so hashes correlate within one agent's lifetime only.
     */
    hashKeyFile: z.string().min(1).optional(),
    /** Strings longer than this are masked in slices, yielding between them, so other sessions go on. */
    sliceBytes: z
      .number()
      .int()
      .min(4096)
      .default(256 * 1024),
  })
  .prefault({});

export const connectionMaskingSchema = z
  .strictObject({
    /** Added to `agent.masking.floor` for this connection. */
    floor: z
      .strictObject({
        detectors: z.array(detectorName).default([]),
        custom: z.array(customDetectorSchema).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export type CustomDetectorConfig = z.infer<typeof customDetectorSchema>;
export type MaskingReplacementConfig = z.infer<typeof maskingReplacementSchema>;
export type GatewayMaskingRuleConfig = z.infer<typeof gatewayMaskingRuleSchema>;
export type AgentMaskingConfig = z.infer<typeof agentMaskingSchema>;
