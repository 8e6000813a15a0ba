/**
 * Whether a failed Kinesis call may succeed if repeated unchanged: throttling, server faults and
 * network failures yes; a missing stream, a denied permission, bad input or missing credentials no
 * (repeating them only hides a configuration error from the operator).
 */
export function isRetryableKinesisError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const name = typeof e.name === 'string' ? e.name : '';
  if (RETRYABLE_NAMES.has(name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  // Node reports a connection closed mid-response without a code on some paths.
  return typeof e.message === 'string' && /socket hang up|ECONNRESET|ECONNREFUSED/.test(e.message);
}

/** Throttling specifically: counted apart, since it means "add shards", not "Kinesis is down". */
export function isThrottlingKinesisError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && THROTTLING_NAMES.has(name);
}

const THROTTLING_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const RETRYABLE_NAMES = new Set([
  ...THROTTLING_NAMES,
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ExpiredTokenException',
  'ExpiredToken',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_HTTP2_STREAM_ERROR',
]);
