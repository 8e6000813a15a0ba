/**
 * Imported first by every test file. The machine has no network but loopback: the AWS provider
 * chain must never reach its instance-metadata step (169.254.169.254), so IMDS is disabled and
 * the chain stops at the environment provider, which these (fake) values satisfy.
 */
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
process.env['AWS_ACCESS_KEY_ID'] = 'AKIAAGENTTESTENV0001';
process.env['AWS_SECRET_ACCESS_KEY'] = 'agent-test-env-secret-not-real';
delete process.env['AWS_SESSION_TOKEN'];
delete process.env['AWS_PROFILE'];

export const ENV_ACCESS_KEY_ID = 'AKIAAGENTTESTENV0001';
