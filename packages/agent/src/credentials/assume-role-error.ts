import { AirlockError } from '@airlock/core';

/** What an STS refusal means for the agent: drop the tags and retry, or fail the session. */
export type AssumeRoleRefusal = 'tagging_refused' | 'source_identity_refused' | 'other';

interface StsError {
  readonly name?: string;
  readonly Code?: string;
  readonly message?: string;
}

/** AWS access key ids (long-term AKIA…, temporary ASIA…) never appear in what the agent says. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const MAX_DETAIL = 300;

function codeOf(error: unknown): string {
  const e = error as StsError | undefined;
  return e?.name ?? e?.Code ?? 'Error';
}

/** STS's own words (they name ARNs and actions, never a secret), without key ids, kept short. */
function detailOf(error: unknown): string {
  const message = (error as StsError | undefined)?.message ?? String(error);
  return message.replace(ACCESS_KEY_ID, '[access key id]').slice(0, MAX_DETAIL);
}

/**
 * Which refusal this is. A role whose trust policy lacks `sts:TagSession` or
 * `sts:SetSourceIdentity` answers AccessDenied naming that action: the agent retries without tags
 * (tags are best effort), but never without the source identity (it is the attribution).
 */
export function refusalOf(error: unknown): AssumeRoleRefusal {
  if (codeOf(error) !== 'AccessDenied') return 'other';
  const message = (error as StsError | undefined)?.message ?? '';
  if (message.includes('sts:TagSession')) return 'tagging_refused';
  if (message.includes('sts:SetSourceIdentity')) return 'source_identity_refused';
  return 'other';
}

/** What to check, per STS error code. */
function adviceFor(code: string, refusal: AssumeRoleRefusal): string {
  if (refusal === 'source_identity_refused') {
    return "The role's trust policy does not allow sts:SetSourceIdentity: add it for the agent's principal (see docs/aws-credentials.md), or set aws.sourceIdentity: false on the connection to go without it.";
  }
  switch (code) {
    case 'AccessDenied':
      return "Check that the role's trust policy lets the agent's principal sts:AssumeRole (with sts:SetSourceIdentity and sts:TagSession), that its ExternalId condition matches aws.externalId, and that the agent's own IAM policy allows sts:AssumeRole on this role.";
    case 'RegionDisabledException':
      return "STS is not activated in this region for the role's account: activate it (IAM → Account settings) or set the connection's aws.region or aws.stsEndpoint to an active region.";
    case 'ExpiredTokenException':
    case 'ExpiredToken':
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'UnrecognizedClientException':
      return "STS refused the agent's own AWS credentials: check the agent's instance role, IRSA or AWS_* environment.";
    case 'Throttling':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return 'STS is throttling the agent; retry in a moment (the agent caches credentials per person, so this passes once they are issued).';
    case 'MalformedPolicyDocumentException':
    case 'MalformedPolicyDocument':
      return "The connection's session policy (aws.policy) is not a valid IAM policy: fix it.";
    case 'PackedPolicyTooLargeException':
    case 'PackedPolicyTooLarge':
      return 'The session policy and session tags together are too large once packed: shorten aws.policy, or set aws.sessionTags: false.';
    case 'ValidationError':
      return "STS rejected the request: check aws.roleArn, aws.externalId, and that aws.durationSeconds does not exceed the role's maximum session duration.";
    case 'CredentialsProviderError':
      return 'The agent has no AWS credentials of its own to call STS with: give it an instance role, IRSA or AWS_* environment.';
    default:
      return "Check that the agent can reach STS (VPC endpoint, NAT, aws.stsEndpoint) and that the agent's AWS credentials are valid.";
  }
}

/**
 * The error a session fails with when the agent cannot assume its connection's role: names the
 * connection, the role and STS's reason, says what to check; never a credential.
 */
export function assumeRoleError(error: unknown, connection: string, roleArn: string): AirlockError {
  const code = codeOf(error);
  const refusal = refusalOf(error);
  return new AirlockError(
    'aws_role_unavailable',
    `The agent could not assume role ${roleArn} for connection "${connection}" (STS ${code}: ${detailOf(error)}). ${adviceFor(code, refusal)}`,
    { data: { connection, roleArn, stsError: code } },
  );
}
