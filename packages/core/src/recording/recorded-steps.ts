import type { RecordedAccessGrant, RecordedApproval, RecordedAwsCredentials } from './recording-event.js';

/**
 * One line for a step of a held call's approval, as transcripts, replays and the audit stream
 * show it: `APPROVAL held 3f2a… (rule hold-deploys)`, `APPROVAL vote 3f2a…: bob approve — "ticket"`.
 */
export function describeApprovalStep(step: RecordedApproval): string {
  const parts = [`APPROVAL ${step.step} ${step.id}`];
  if (step.rule !== undefined) parts.push(`(rule ${step.rule})`);
  if (step.requestId !== undefined) parts.push(`request id ${JSON.stringify(step.requestId)}`);
  if (step.step === 'vote') parts.push(`: ${step.by ?? '?'} ${step.decision ?? '?'}`);
  else if (step.by !== undefined && step.by !== '') parts.push(`by ${step.by}`);
  if (step.reason !== undefined) parts.push(`— "${step.reason}"`);
  if (step.outcome !== undefined) parts.push(`→ ${step.outcome}`);
  return parts.join(' ').replace(' : ', ': ');
}

/** One line for a step of a just-in-time access grant. */
export function describeAccessStep(step: RecordedAccessGrant): string {
  const parts = [`ACCESS ${step.step} grant ${step.grantId} on ${step.connection}`];
  if (step.tools !== undefined && step.tools.length > 0) parts.push(`(tools ${step.tools.join(', ')})`);
  if (step.by !== undefined) parts.push(`by ${step.by}`);
  if (step.expiresAt !== undefined) parts.push(`until ${step.expiresAt}`);
  if (step.reason !== undefined) parts.push(`— "${step.reason}"`);
  return parts.join(' ');
}

/** One line for the AWS role a session's person was given (never a credential). */
export function describeAwsCredentials(credentials: RecordedAwsCredentials): string {
  const parts = [`AWS ROLE ${credentials.roleArn} as ${credentials.roleSessionName}`];
  if (credentials.sourceIdentity !== undefined) parts.push(`(source identity ${credentials.sourceIdentity})`);
  parts.push(credentials.sessionTags.length > 0 ? `tags ${credentials.sessionTags.join(', ')}` : 'untagged');
  parts.push(`via ${credentials.use}`);
  if (credentials.expiresAt !== undefined) parts.push(`until ${credentials.expiresAt}`);
  return parts.join(' ');
}
