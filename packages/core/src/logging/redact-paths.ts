/**
 * Log fields that may hold a secret. Every Airlock logger redacts them, so a token or credential
 * that reaches a log call by mistake is still never written. Paths use pino's redact syntax.
 */
export const REDACTED_LOG_PATHS: readonly string[] = Object.freeze([
  'authorization',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'agentToken',
  'password',
  'secret',
  'credentials',
  'secretAccessKey',
  'sessionToken',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'metadata.authorization',
  'env.AWS_SECRET_ACCESS_KEY',
  'env.AWS_SESSION_TOKEN',
  'env.AWS_ACCESS_KEY_ID',
  '*.authorization',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.secret',
  '*.credentials',
  '*.secretAccessKey',
  '*.sessionToken',
]);
