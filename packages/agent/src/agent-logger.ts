import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line: the agent's token,
 * AWS credentials (as objects and as environment variables), and HTTP credentials. The code
 * never logs these on purpose; this list is the seatbelt.
 */
export const agentLogRedactPaths: readonly string[] = [
  'token',
  '*.token',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  'env.AWS_ACCESS_KEY_ID',
  'env.AWS_SECRET_ACCESS_KEY',
  'env.AWS_SESSION_TOKEN',
  '*.env.AWS_ACCESS_KEY_ID',
  '*.env.AWS_SECRET_ACCESS_KEY',
  '*.env.AWS_SESSION_TOKEN',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/** The agent's root logger (JSON lines, stdout by default), with the redact list applied. */
export function createAgentLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { role: 'agent' },
    redact: { paths: [...agentLogRedactPaths], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
