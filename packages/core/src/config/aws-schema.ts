import { z } from 'zod';

/**
 * The `aws` settings of a connection: which IAM role the agent assumes with STS for each
 * (connection, person), and (HTTP) SigV4 signing. Limits are STS's own: DurationSeconds
 * 900..43200, an inline session policy of at most 2048 characters, ExternalId 2..1224 characters.
 */
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** STS's limit on an inline session policy, counted on the policy as sent (minified JSON). */
export const MAX_SESSION_POLICY_CHARS = 2048;

const sessionPolicy = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .transform((policy, ctx) => {
    let parsed: unknown = policy;
    if (typeof policy === 'string') {
      try {
        parsed = JSON.parse(policy);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'the session policy is not valid JSON' });
        return z.NEVER;
      }
    }
    const packed = JSON.stringify(parsed);
    if (packed.length > MAX_SESSION_POLICY_CHARS) {
      ctx.addIssue({
        code: 'custom',
        message: `the session policy is ${packed.length} characters as sent (minified); STS accepts at most ${MAX_SESSION_POLICY_CHARS}`,
      });
      return z.NEVER;
    }
    return packed;
  });

/** The role settings, shared by stdio and HTTP connections. */
const roleFields = {
  /** The IAM role the agent assumes for each (connection, person); absent: the agent's own credentials. */
  roleArn: z
    .string()
    .regex(ROLE_ARN, 'roleArn must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/mcp-readonly')
    .optional(),
  externalId: z
    .string()
    .regex(EXTERNAL_ID, 'externalId is 2-1224 characters of letters, digits and +=,.@:/-')
    .optional(),
  /** How long the temporary credentials live; 900 s is STS's minimum. */
  durationSeconds: z.number().int().min(900).max(43_200).default(900),
  /** An inline session policy (JSON text or object) that narrows the role further. */
  policy: sessionPolicy.optional(),
  /**
   * Set the person as the STS SourceIdentity (needs sts:SetSourceIdentity in the trust policy).
   * Default true; false only for roles whose trust policy cannot allow it (CloudTrail then shows
   * the person in the role session name only).
   */
  sourceIdentity: z.boolean().default(true),
  /** Session tags airlock:subject/connection/session (dropped, with a warning, if the role refuses them). */
  sessionTags: z.boolean().default(true),
  /** The STS endpoint (e.g. a VPC interface endpoint); default: the regional endpoint of `region`. */
  stsEndpoint: z.url({ protocol: /^https?$/ }).optional(),
};

/** A stdio connection's `aws`: inject credentials into the server's environment. */
export const stdioAwsSchema = z
  .strictObject({
    /** Put AWS credentials into the server's environment (AWS_ACCESS_KEY_ID, ...). */
    inject: z.boolean().default(true),
    region: z.string().min(1).optional(),
    ...roleFields,
  })
  .refine((aws) => aws.roleArn !== undefined || aws.externalId === undefined, {
    message: 'externalId needs roleArn (it is sent when the agent assumes that role)',
    path: ['externalId'],
  })
  .refine((aws) => aws.inject || aws.roleArn === undefined, {
    message: 'roleArn needs inject: true (the role credentials reach a stdio server through its environment)',
    path: ['roleArn'],
  })
  .prefault({});

/** An HTTP connection's `aws`: sign each upstream request with SigV4 (AWS-hosted MCP endpoints). */
export const httpAwsSchema = z
  .strictObject({
    region: z.string().min(1).optional(),
    sigv4: z.strictObject({
      /** The signing name of the service, e.g. `execute-api`, `lambda`, `bedrock-agentcore`. */
      service: z.string().min(1),
      region: z.string().min(1),
    }),
    ...roleFields,
  })
  .optional();

export type StdioAwsConfig = z.infer<typeof stdioAwsSchema>;
export type HttpAwsConfig = NonNullable<z.infer<typeof httpAwsSchema>>;
/** The role part of either: what the agent needs to assume a connection's role. */
export type AwsRoleConfig = Pick<
  StdioAwsConfig,
  | 'roleArn'
  | 'externalId'
  | 'durationSeconds'
  | 'policy'
  | 'sourceIdentity'
  | 'sessionTags'
  | 'stsEndpoint'
  | 'region'
>;
